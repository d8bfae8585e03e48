// SPDX-License-Identifier: Apache-2.0
//
// lwm2m-node-lib@1.4.0's LwM2M server as a third-party peer for lwm2mc's interop tests.
//
//   node tests/interop/node_lib_server.js PORT
//
// Prints one JSON object per line on stdout:
//   {"event":"ready","port":PORT}
//   {"event":"registration","endpoint":"node1","lifetime":"300","version":"1.0","binding":"U","payload":"</1/0>"}
//   {"event":"update","endpoint":"node1","id":1,"lifetime":"120","payload":""}
//   {"event":"unregistration","endpoint":"node1","id":1}
//   {"event":"error","message":"..."}
//   {"event":"result","tag":"t1","error":null,"result":"..."}   (answer to a command, see below)
// Commands, one JSON object per line on stdin, sent by node-lib's server to a registered client:
//   {"cmd":"read","tag":"t1","endpoint":"node1","object":3,"instance":0,"resource":0}
//   {"cmd":"write","tag":"t2","endpoint":"node1","object":1,"instance":0,"resource":1,"value":"60"}
//   {"cmd":"execute","tag":"t3","endpoint":"node1","object":3,"instance":0,"resource":4,"value":""}
//   {"cmd":"writeAttributes","tag":"t4","endpoint":"node1","object":3,"instance":0,"resource":13,
//    "attributes":{"pmin":1,"pmax":5}}
//   {"cmd":"observe","tag":"t5","endpoint":"node1","object":3,"instance":0,"resource":13}
//      -> the first value as the "result"; each notification after it as
//         {"event":"notification","tag":"t5","value":"..."}
// Exits 0 on SIGTERM, SIGINT or when stdin closes (so a crashed parent does not leave it running).
// The node-lib server listens on all interfaces (0.0.0.0); tests talk to 127.0.0.1.
'use strict';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write('usage: node node_lib_server.js PORT\n');
    process.exit(2);
}

const lwm2m = require('lwm2m-node-lib');
const server = lwm2m.server;

function emit(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

const config = {
    port: port,
    lifetimeCheckInterval: 1000,
    udpWindow: 100,
    defaultType: 'Device',
    types: [],
    logLevel: 'FATAL',
    ipProtocol: 'udp4',
    serverProtocol: 'udp4',
    deviceRegistry: { type: 'memory' },
    // node-lib's pre-standard content-format numbers.
    formats: [
        { name: 'application-vnd-oma-lwm2m/text', value: 1541 },
        { name: 'application-vnd-oma-lwm2m/tlv', value: 1542 },
        { name: 'application-vnd-oma-lwm2m/json', value: 1543 },
        { name: 'application-vnd-oma-lwm2m/opaque', value: 1544 }
    ],
    writeFormat: 'application-vnd-oma-lwm2m/text',
    defaultAcceptFormat: 'text/plain'
};

let serverInfo = null;
let stopping = false;

function shutdown() {
    if (stopping) {
        return;
    }
    stopping = true;
    const done = () => process.exit(0);
    if (serverInfo) {
        server.stop(serverInfo, done);
        setTimeout(done, 1000).unref();
    } else {
        done();
    }
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);

function runCommand(line) {
    let cmd;
    try {
        cmd = JSON.parse(line);
    } catch (e) {
        emit({ event: 'error', message: 'bad command line: ' + line });
        return;
    }
    const reply = (error, result) =>
        emit({
            event: 'result',
            tag: cmd.tag === undefined ? null : cmd.tag,
            error: error ? String(error.message || error.name || error) : null,
            result: result === undefined || result === null ? null : String(result)
        });
    server.getDevice(cmd.endpoint, (error, device) => {
        if (error) {
            reply(error);
            return;
        }
        if (cmd.cmd === 'read') {
            server.read(device.id, cmd.object, cmd.instance, cmd.resource, reply);
        } else if (cmd.cmd === 'write') {
            server.write(device.id, cmd.object, cmd.instance, cmd.resource, String(cmd.value), reply);
        } else if (cmd.cmd === 'execute') {
            server.execute(device.id, cmd.object, cmd.instance, cmd.resource, String(cmd.value || ''), reply);
        } else if (cmd.cmd === 'writeAttributes') {
            server.writeAttributes(device.id, cmd.object, cmd.instance, cmd.resource, cmd.attributes || {}, reply);
        } else if (cmd.cmd === 'observe') {
            // The first value answers the command; every later one is a "notification" event with the same tag.
            const onValue = (value) => emit({ event: 'notification', tag: cmd.tag, value: String(value) });
            server.observe(device.id, cmd.object, cmd.instance, cmd.resource, onValue, reply);
        } else {
            reply(new Error('unknown command ' + cmd.cmd));
        }
    });
}

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line.length > 0 && serverInfo) {
            runCommand(line);
        }
    }
});

server.start(config, (error, info) => {
    if (error) {
        emit({ event: 'error', message: String(error && error.message ? error.message : error) });
        process.exit(1);
    }
    serverInfo = info;
    // Handler arities matter: node-lib answers 5.00 when a handler has the wrong number of parameters
    // (its README's table is wrong). The callback must be called for the response to be sent.
    server.setHandler(info, 'registration', (endpoint, lifetime, version, binding, payload, callback) => {
        emit({
            event: 'registration',
            endpoint: endpoint,
            lifetime: lifetime === undefined ? null : String(lifetime),
            version: version === undefined ? null : String(version),
            binding: binding === undefined ? null : String(binding),
            payload: payload === undefined ? '' : String(payload)
        });
        callback();
    });
    server.setHandler(info, 'updateRegistration', (device, payload, callback) => {
        emit({
            event: 'update',
            endpoint: device.name,
            id: device.id,
            lifetime: device.lifetime === undefined ? null : String(device.lifetime),
            payload: payload === undefined ? '' : String(payload)
        });
        callback();
    });
    const onUnregistration = (device, callback) => {
        emit({ event: 'unregistration', endpoint: device.name, id: device.id });
        callback();
    };
    server.setHandler(info, 'unregistration', onUnregistration);
    // setHandler('unregistration') restarts node-lib's lifetime check with an undefined interval (a 1 ms
    // timer); restart it with the configured one.
    server.getRegistry().checkLifetime(config.lifetimeCheckInterval, onUnregistration);
    emit({ event: 'ready', port: port });
});
