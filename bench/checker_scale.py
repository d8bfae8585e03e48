#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs `lwm2mc check` with the explicit and the Z3 engine over the scaling family of
bench/gen_scale_models.py and prints one table, side by side.

Per model and engine: wall time, peak resident memory (GNU time's %M; without /usr/bin/time the
child's ru_maxrss from wait4, which also counts Python's pages from before the exec), the findings
summary, and for the explicit engine the configurations and product states it reports on its first
line ("N configurations, M product states") and product states per second. Each run has a time
limit (--timeout, default 60 s): "timeout" in the table. The explicit engine refuses configuration
spaces beyond its max_configurations (2^20): "refused" (a data point, not an error). The last
columns are the ratios z3/explicit, and whether both engines report the same numbers of errors,
warnings and notes.

Usage: python3 bench/checker_scale.py --cli build/release/cli/lwm2mc [--timeout 60] [--quick] [--reps N]
(bash bench/checker_scale.sh finds the CLI and calls this).
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


TIME = '/usr/bin/time' if os.access('/usr/bin/time', os.X_OK) else None


def run_once(cli, model, engine, timeout, work):
    out_path = os.path.join(work, 'out.txt')
    err_path = os.path.join(work, 'err.txt')
    rss_path = os.path.join(work, 'rss.txt')
    # the tool's own time limit comes first, so that a run over budget says what it did not decide
    # (an undecided item); the harness kills only what overruns that by 50%
    command = [cli, 'check', model, '--engine', engine, '--fail-on', 'never', '--time-limit',
               '{:.0f}'.format(max(1, timeout / 1.5))]
    if TIME:
        # GNU time reports the peak RSS of lwm2mc itself; wait4 on a child forked from Python would
        # also count Python's pages from before the exec
        command = [TIME, '-f', '%M', '-o', rss_path] + command
    if os.path.exists(rss_path):
        os.remove(rss_path)
    with open(out_path, 'w') as out, open(err_path, 'w') as err:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kib = usage.ru_maxrss
    if TIME:
        try:
            with open(rss_path) as f:
                rss_kib = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            rss_kib = None  # killed at the time limit
    with open(out_path) as f:
        text = f.read()
    r = {'wall': wall, 'rss_kib': rss_kib, 'rc': proc.returncode, 'configs': None, 'states': None,
         'chosen': None}
    chosen = re.search(r'lwm2mc check: model \'[^\']*\', (\S+) engine', text)
    if chosen:
        r['chosen'] = chosen.group(1)
    m = re.search(r'engine: (\d+) configurations?(?: x [^,]*)?, (\d+) product states', text)
    if m:
        r['configs'], r['states'] = int(m.group(1)), int(m.group(2))
    s = re.search(r'summary: (\d+) error\(s\), (\d+) warning\(s\), (\d+) note\(s\), (\d+) undecided', text)
    if timed_out.is_set():
        r['result'] = 'timeout'
    elif 'does not enumerate more than' in text:
        r['result'] = 'refused'
    elif s:
        r['result'] = '{}/{}/{}/{}'.format(*s.groups())
        r['counts'] = s.groups()[:3]
    else:
        r['result'] = f'rc={proc.returncode}'
    return r


def measure(cli, model, engine, timeout, reps, work):
    runs = [run_once(cli, model, engine, timeout, work) for _ in range(reps)]
    best = runs[0]
    if reps > 1:
        best = dict(best)
        best['wall'] = statistics.median(r['wall'] for r in runs)
        best['rss_kib'] = max((r['rss_kib'] for r in runs if r['rss_kib']), default=None)
    return best


def fmt_time(r):
    return '>{:.0f}'.format(r['wall']) if r['result'] == 'timeout' else '{:.2f}'.format(r['wall'])


def mib(r):
    return '{:.0f}'.format(r['rss_kib'] / 1024) if r['rss_kib'] else '-'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cli', required=True)
    ap.add_argument('--timeout', type=float, default=60.0, help='seconds per run (default 60)')
    ap.add_argument('--reps', type=int, default=1, help='runs per model and engine; the median time is shown')
    ap.add_argument('--quick', action='store_true', help='a few points of the sweep only')
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix='checker-scale-')
    gen = [sys.executable, os.path.join(HERE, 'gen_scale_models.py'), '--sweep', os.path.join(work, 'models')]
    subprocess.run(gen + (['--quick'] if a.quick else []), check=True)
    with open(os.path.join(work, 'models', 'sweep.tsv')) as f:
        points = [line.rstrip('\n').split('\t') for line in f if line.strip()]
    shipped = os.path.join(HERE, '..', 'model', 'specs', 'lwm2m-ts10-draft.lwm2m')
    points.insert(0, ['shipped-ts10', shipped, '-', '-', '-', '-', '-', '-'])

    print(f'lwm2mc check scaling: {a.cli}; timeout {a.timeout:.0f} s per run; {a.reps} run(s) each; '
          f'{os.cpu_count()} cores')
    print('explicit/z3 result: errors/warnings/notes/undecided; refused = beyond max_configurations (2^20); '
          'RSS in MiB; prod/s = product states per second')
    header = ('model', 'S', 'V', 'dom', 'B', 'I', 'R', 'configs', 'prod.states', 'expl s', 'expl MiB', 'prod/s',
              'explicit', 'z3 s', 'z3 MiB', 'z3', 'z3/expl t', 'z3/expl mem', 'same', 'auto s', 'auto MiB', 'auto')
    rows = []
    by_name = {}
    for name, path, s, v, d, b, i, c in points:
        e = measure(a.cli, path, 'explicit', a.timeout, a.reps, work)
        z = measure(a.cli, path, 'z3', a.timeout, a.reps, work)
        au = measure(a.cli, path, 'auto', a.timeout, a.reps, work)
        by_name[name] = (e, z, au)
        rate = '{:.0f}'.format(e['states'] / e['wall']) if e['states'] else '-'
        t_ratio = '-' if e['result'] == 'refused' else '{}{:.1f}'.format(
            '>' if z['result'] == 'timeout' else '', z['wall'] / e['wall'])
        m_ratio = '{:.1f}'.format(z['rss_kib'] / e['rss_kib']) if e['rss_kib'] and z['rss_kib'] and e['result'] != 'refused' else '-'
        same = '-'
        if 'counts' in e and 'counts' in z:
            same = 'yes' if e['counts'] == z['counts'] else 'NO'
        rows.append((name, s, v, d, b, i, c, str(e['configs']) if e['configs'] else '-',
                     str(e['states']) if e['states'] else '-', fmt_time(e), mib(e),
                     rate, e['result'], fmt_time(z), mib(z), z['result'], t_ratio,
                     m_ratio, same, fmt_time(au), mib(au), '{}:{}'.format(au['chosen'] or '?', au['result'])))
        print('  done: ' + name, file=sys.stderr, flush=True)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in [header] + rows:
        print('  '.join(str(x).rjust(w) if k else str(x).ljust(w) for k, (x, w) in enumerate(zip(row, widths))))
    # the goals of issue 11, measured in this run
    print()
    print('goals (default engine = auto):')

    def goal(text, ok):
        print('  [{}] {}'.format('met' if ok else 'NOT MET', text))

    if 'shipped-ts10' in by_name:
        au = by_name['shipped-ts10'][2]
        goal('shipped model <= 50 ms: {:.0f} ms'.format(au['wall'] * 1000), au['wall'] <= 0.05)
    if 'client-like' in by_name:
        e, z, au = by_name['client-like']
        goal('client-sized model ({} configurations, {} product states, one 32-bit timing parameter) <= 1 s: '
             '{:.2f} s'.format(e['configs'], e['states'], au['wall']), au['wall'] <= 1.0 and au['result'] != 'timeout')
    if 's1000-b4-counter44' in by_name:
        e = by_name['s1000-b4-counter44'][0]
        rate = e['states'] / e['wall'] if e['states'] else 0
        goal('10^6 product states: >= 10^5 states/s with conditions, <= 1 GB: {} states, {:.0f} states/s, {} MiB'.format(
            e['states'], rate, mib(e)), (e['states'] or 0) >= 10**6 and rate >= 1e5 and (e['rss_kib'] or 0) <= 1024 * 1024)
    aborted = [(name, eng) for name, runs in by_name.items() for eng, r in zip(('explicit', 'z3', 'auto'), runs)
               if r['result'] != 'timeout' and r['rc'] not in (0, 1)]
    goal('no run ends in an abort (exit status 0 or 1, else listed): {}'.format(aborted or 'none'), not aborted)
    subprocess.run(['rm', '-rf', work])


if __name__ == '__main__':
    main()
