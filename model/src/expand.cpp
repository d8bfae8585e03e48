// SPDX-License-Identifier: Apache-2.0
#include "detail/expand.hpp"

#include "lwm2mc/model/interpreter.hpp"

#include <fmt/format.h>

#include <optional>
#include <tuple>

#include "detail/diag.hpp"

namespace lwm2mc::model::detail {

namespace {

/// Loop indices in scope, innermost last.
using Env = std::vector<std::pair<std::string, std::int64_t>>;

const std::int64_t* lookup(const Env& env, const std::string& name) {
    for (auto it = env.rbegin(); it != env.rend(); ++it) {
        if (it->first == name) {
            return &it->second;
        }
    }
    return nullptr;
}

ExprPtr int_lit(std::int64_t value, const SourceRange& range) {
    auto e = std::make_shared<Expr>();
    e->op = Op::IntLit;
    e->value = value;
    e->range = range;
    return e;
}

class Evaluator {
public:
    explicit Evaluator(const ExpandScope& scope) : scope_{scope} {}

    /// Value of a constant expression over literals, constants and loop indices; none when it is not one.
    std::optional<std::int64_t> value(const ExprPtr& e, const Env& env) {
        bool constant = true;
        ExprPtr folded = fold_names(e, env, constant);
        if (!constant || !folded) {
            return std::nullopt;
        }
        try {
            return evaluate_expression(*folded);
        } catch (const EvalError&) {
            return std::nullopt;
        }
    }

private:
    ExprPtr fold_names(const ExprPtr& e, const Env& env, bool& constant) {
        if (!e || !constant) {
            return e;
        }
        if (e->op == Op::Name) {
            if (e->lhs) {
                constant = false;
                return e;
            }
            if (const auto* v = lookup(env, e->name)) {
                return int_lit(*v, e->range);
            }
            auto k = const_value(e->name);
            if (!k) {
                constant = false;
                return e;
            }
            return int_lit(*k, e->range);
        }
        if (!e->lhs && !e->rhs) {
            return e;
        }
        auto copy = std::make_shared<Expr>(*e);
        copy->lhs = fold_names(e->lhs, env, constant);
        copy->rhs = fold_names(e->rhs, env, constant);
        return copy;
    }

    std::optional<std::int64_t> const_value(const std::string& name) {
        if (auto it = done_.find(name); it != done_.end()) {
            return it->second;
        }
        auto it = scope_.consts.find(name);
        if (it == scope_.consts.end() || busy_.count(name)) {
            return std::nullopt;  // not a constant, or one that depends on itself (the resolver reports that)
        }
        busy_.insert(name);
        auto v = value(it->second, Env{});
        busy_.erase(name);
        done_[name] = v;
        return v;
    }

    const ExpandScope& scope_;
    std::map<std::string, std::optional<std::int64_t>> done_{};
    std::set<std::string> busy_{};
};

class Expander {
public:
    Expander(const ExpandScope& scope, std::vector<Diagnostic>& diagnostics)
        : scope_{scope}, eval_{scope}, diags_{diagnostics} {}

    void expand(std::vector<Decl>& decls, std::vector<Decl>& out, const Env& env, const std::string& suffix) {
        for (Decl& decl : decls) {
            expand_one(decl, out, env, suffix);
        }
    }

private:
    void expand_one(Decl& decl, std::vector<Decl>& out, const Env& env, const std::string& suffix) {
        if (auto* f = std::get_if<ForDecl>(&decl.body)) {
            expand_for(*f, out, env, suffix);
            return;
        }
        if (auto* r = std::get_if<RegionDecl>(&decl.body)) {
            if (r->machine.empty()) {
                expand_region(decl, *r, out);
            } else {
                out.push_back(decl);  // an instance recorded by an earlier expansion (an overlay's base)
            }
            return;
        }
        if (auto* t = std::get_if<TransitionDecl>(&decl.body); t && t->during) {
            report(diag::bad_region(t->during->range, "'during' names main states only in a row inside a 'region'"));
            return;
        }
        std::visit(
            [&](auto& body) {
                using T = std::decay_t<decltype(body)>;
                if constexpr (std::is_same_v<T, VarDecl>) {
                    body.type = type(body.type, env);
                    body.init = subst(body.init, env);
                    expand_array(decl, body, out, "variable");
                } else if constexpr (std::is_same_v<T, ParamDecl>) {
                    body.type = type(body.type, env);
                    expand_array(decl, body, out, "parameter");
                } else if constexpr (std::is_same_v<T, EventDecl>) {
                    expand_array(decl, body, out, "event");
                } else {
                    if constexpr (std::is_same_v<T, TransitionDecl>) {
                        if (!body.label.text.empty()) {
                            body.label.text += suffix;
                        }
                        if (body.event.index && !body.guard && !scope_.event_arrays.count(body.event.text)) {
                            body.guard = std::move(body.event.index);  // `A + e[ok] -> B`: a guard written tightly
                        }
                        body.event = reference(body.event, env, scope_.event_arrays, "event");
                        body.guard = subst(body.guard, env);
                        for (auto& u : body.updates) {
                            if (u.kind == UpdateKind::Assign) {
                                u.var = reference(u.var, env, scope_.value_arrays, "variable");
                                u.value = subst(u.value, env);
                            }
                        }
                        body.duration = subst(body.duration, env);
                    } else if constexpr (std::is_same_v<T, PropertyDecl>) {
                        body.name.text += suffix;
                        if (body.pattern) {  // event sets may name array elements: `after fail[i] next ...`
                            for (auto* set : {&body.pattern->trigger, &body.pattern->scope, &body.pattern->allowed}) {
                                for (Name& n : *set) {
                                    n = reference(n, env, scope_.event_arrays, "event");
                                }
                            }
                            body.pattern->bound = subst(body.pattern->bound, env);
                        }
                        body.expr = subst(body.expr, env);
                        body.from = subst(body.from, env);
                        body.to = subst(body.to, env);
                    } else if constexpr (std::is_same_v<T, ConstraintDecl>) {
                        body.name.text += suffix;
                        body.expr = subst(body.expr, env);
                    } else if constexpr (std::is_same_v<T, ConstDecl>) {
                        body.value = subst(body.value, env);
                    } else if constexpr (std::is_same_v<T, RemoveDecl>) {
                        if (body.row_event.index && !body.row_guard &&
                            !scope_.event_arrays.count(body.row_event.text)) {
                            body.row_guard = std::move(body.row_event.index);
                        }
                        if (!body.row_event.text.empty()) {
                            body.row_event = reference(body.row_event, env, scope_.event_arrays, "event");
                        }
                        body.row_guard = subst(body.row_guard, env);
                    }
                    out.push_back(decl);
                }
            },
            decl.body);
        if (decl.replaces) {
            auto& r = *decl.replaces;
            if (!r.row_event.text.empty() && !out.empty()) {
                auto& last = *out.back().replaces;
                if (r.row_event.index && !r.row_guard && !scope_.event_arrays.count(r.row_event.text)) {
                    r.row_guard = std::move(r.row_event.index);
                }
                last.row_event = reference(r.row_event, env, scope_.event_arrays, "event");
                last.row_guard = subst(r.row_guard, env);
            }
        }
    }

    /// A declaration `NAME[N]` becomes N declarations NAME[1] ... NAME[N].
    template <typename T>
    void expand_array(const Decl& decl, T& body, std::vector<Decl>& out, const char* kind) {
        if (!body.array.size) {
            out.push_back(decl);
            std::get<T>(out.back().body) = body;
            return;
        }
        auto n = eval_.value(body.array.size, Env{});
        if (!n) {
            report(diag::bad_array_size(
                body.array.size->range,
                fmt::format("the size of {} array '{}' must be a constant expression", kind, body.name.text)));
            return;
        }
        if (*n < 1 || *n > kMaxArraySize) {
            report(diag::bad_array_size(body.array.size->range,
                                        fmt::format("{} array '{}' has {} elements; an array has 1 to {}", kind,
                                                    body.name.text, *n, kMaxArraySize)));
            return;
        }
        for (std::int64_t k = 1; k <= *n; ++k) {
            Decl element = decl;
            T copy = body;
            copy.array.array = body.name.text;
            copy.array.index = k;
            copy.array.size = nullptr;
            copy.name.text = fmt::format("{}[{}]", body.name.text, k);
            element.body = std::move(copy);
            out.push_back(std::move(element));
        }
    }

    void expand_for(ForDecl& f, std::vector<Decl>& out, const Env& env, const std::string& suffix) {
        if (lookup(env, f.index.text)) {
            report(diag::loop_index_clash(f.index.range, f.index.text, "an enclosing loop's index"));
            return;
        }
        if (auto it = scope_.names.find(f.index.text); it != scope_.names.end()) {
            report(diag::loop_index_clash(f.index.range, f.index.text, it->second));
            return;
        }
        auto lo = eval_.value(f.lo, env);
        auto hi = eval_.value(f.hi, env);
        if (!lo || !hi) {
            report(diag::bad_loop((lo ? f.hi : f.lo)->range,
                                  "the bounds of a 'for' loop must be constant expressions (literals, "
                                  "constants and enclosing loop indices)"));
            return;
        }
        if (*hi >= *lo && *hi - *lo >= kMaxLoopIterations) {
            report(diag::bad_loop(f.lo->range, fmt::format("the loop has {} iterations; at most {} are allowed",
                                                           *hi - *lo + 1, kMaxLoopIterations)));
            return;
        }
        // checked once, before the first iteration, so that an error is reported once
        std::vector<Decl> repeated;
        for (Decl& d : f.body) {
            if (std::holds_alternative<TransitionDecl>(d.body) || std::holds_alternative<PropertyDecl>(d.body) ||
                std::holds_alternative<ConstraintDecl>(d.body) || std::holds_alternative<ForDecl>(d.body)) {
                repeated.push_back(d);
            } else {
                report(diag::bad_loop(
                    d.range, "only transition rows, properties, constraints and 'for' loops can be repeated by 'for'"));
            }
        }
        for (std::int64_t k = *lo; k <= *hi; ++k) {
            Env inner = env;
            inner.emplace_back(f.index.text, k);
            std::vector<Decl> body = repeated;
            expand(body, out, inner, fmt::format("{}[{}]", suffix, k));
        }
    }

    static ExprPtr name_expr(const std::string& name, const SourceRange& range) {
        auto e = std::make_shared<Expr>();
        e->op = Op::Name;
        e->name = name;
        e->range = range;
        return e;
    }

    static ExprPtr binary(Op op, ExprPtr lhs, ExprPtr rhs) {
        auto e = std::make_shared<Expr>();
        e->op = op;
        e->range = lhs->range;
        e->depth = 1 + std::max(lhs->depth, rhs->depth);
        e->lhs = std::move(lhs);
        e->rhs = std::move(rhs);
        return e;
    }

    /// A region becomes, per instance, an enum variable over its states, a record for the resolver, and per row
    /// and region source state S a main-machine row `DURING + event [INST == S && GUARD] / INST := T, ... -> same`.
    void expand_region(const Decl& decl, const RegionDecl& r, std::vector<Decl>& out) {
        std::vector<const StateDecl*> states;
        std::vector<const Decl*> state_decls;
        std::vector<const Decl*> rows;
        const StateDecl* initial = nullptr;
        std::set<std::string> names;
        bool ok = true;
        for (const Decl& d : r.body) {
            if (const auto* st = std::get_if<StateDecl>(&d.body)) {
                if (st->final || !st->group.text.empty()) {
                    report(diag::bad_region(
                        st->name.range,
                        fmt::format("region state '{}' cannot be 'final' or 'in' a group", st->name.text)));
                    ok = false;
                }
                if (st->initial) {
                    if (initial) {
                        report(diag::bad_region(
                            st->name.range,
                            fmt::format("region '{}' has a second initial state '{}' (the first is '{}')", r.name.text,
                                        st->name.text, initial->name.text)));
                        ok = false;
                    }
                    initial = st;
                }
                names.insert(st->name.text);
                states.push_back(st);
                state_decls.push_back(&d);
            } else if (std::holds_alternative<TransitionDecl>(d.body)) {
                rows.push_back(&d);
            } else {
                report(diag::bad_region(d.range, "a region holds only 'state' declarations and transition rows"));
                ok = false;
            }
        }
        if (!initial && !states.empty()) {
            report(diag::bad_region(
                r.name.range, fmt::format("region '{}' has no initial state (mark one state 'initial')", r.name.text)));
            ok = false;
        }
        if (states.empty()) {
            report(diag::bad_region(r.name.range, fmt::format("region '{}' has no states", r.name.text)));
            ok = false;
        }
        for (const Decl* d : rows) {
            const auto& t = std::get<TransitionDecl>(d->body);
            for (const Name& n : t.source.states) {
                if (!names.count(n.text)) {
                    report(diag::bad_region(n.range,
                                            fmt::format("'{}' is not a state of region '{}'", n.text, r.name.text)));
                    ok = false;
                }
            }
            if (t.target.text != kSameTarget && !names.count(t.target.text)) {
                report(diag::bad_region(t.target.range,
                                        fmt::format("'{}' is not a state of region '{}'", t.target.text, r.name.text)));
                ok = false;
            }
        }
        std::vector<std::int64_t> instances{0};
        if (!r.index.text.empty()) {
            if (auto it = scope_.names.find(r.index.text); it != scope_.names.end()) {
                report(diag::loop_index_clash(r.index.range, r.index.text, it->second));
                return;
            }
            auto lo = eval_.value(r.lo, Env{});
            auto hi = eval_.value(r.hi, Env{});
            if (!lo || !hi || *lo > *hi || *hi - *lo >= kMaxArraySize) {
                report(diag::bad_region(
                    r.lo->range, fmt::format("the instances of region '{}' must be a constant range of 1 to {} indices",
                                             r.name.text, kMaxArraySize)));
                return;
            }
            instances.clear();
            for (std::int64_t k = *lo; k <= *hi; ++k) {
                instances.push_back(k);
            }
        }
        if (!ok) {
            return;
        }
        const bool many = !r.index.text.empty();
        for (std::int64_t k : instances) {
            const std::string inst = many ? fmt::format("{}[{}]", r.name.text, k) : r.name.text;
            Env env;
            if (many) {
                env.emplace_back(r.index.text, k);
            }
            // the variable holding the instance's state
            VarDecl v;
            v.name = Name{inst, r.name.range, nullptr};
            v.type.kind = TypeKind::Enum;
            v.type.range = r.name.range;
            for (const StateDecl* st : states) {
                v.type.literals.push_back(st->name);
            }
            v.init = name_expr(initial->name.text, initial->name.range);
            v.persistent = r.persistent;
            if (many) {
                v.array.array = r.name.text;
                v.array.index = k;
            }
            Decl var_decl = decl;
            var_decl.body = std::move(v);
            out.push_back(std::move(var_decl));
            // the record the resolver turns into a model::Region
            RegionDecl record;
            record.name = Name{inst, r.name.range, nullptr};
            record.machine = r.name.text;
            record.persistent = r.persistent;
            for (std::size_t i = 0; i < states.size(); ++i) {
                record.states.push_back(*states[i]);
                record.state_attrs.emplace_back(state_decls[i]->doc, state_decls[i]->ref);
            }
            Decl record_decl = decl;
            record_decl.body = std::move(record);
            out.push_back(std::move(record_decl));
            // the rows
            for (const Decl* d : rows) {
                const auto& t = std::get<TransitionDecl>(d->body);
                std::vector<Name> sources = t.source.states;
                if (t.source.kind == SourceSyntax::Kind::Any) {
                    sources.clear();
                    for (const StateDecl* st : states) {
                        sources.push_back(Name{st->name.text, t.source.range, nullptr});
                    }
                }
                for (const Name& src : sources) {
                    const std::string target = t.target.text == kSameTarget ? src.text : t.target.text;
                    Decl row = *d;
                    TransitionDecl m = t;
                    m.source = t.during ? *t.during : SourceSyntax{SourceSyntax::Kind::Any, {}, t.source.range};
                    m.source.range = t.source.range;  // the transitions point at the region row as written
                    m.during.reset();
                    m.target = Name{kSameTarget, t.target.range, nullptr};
                    ExprPtr at = binary(Op::Eq, name_expr(inst, src.range), name_expr(src.text, src.range));
                    m.guard = t.guard ? binary(Op::And, at, t.guard) : at;
                    UpdateSyntax set;
                    set.var = Name{inst, t.target.range, nullptr};
                    set.value = name_expr(target, t.target.range);
                    set.range = t.target.range;
                    m.updates.insert(m.updates.begin(), std::move(set));
                    if (!m.label.text.empty()) {
                        m.label.text += many ? fmt::format("[{}]", k) : "";
                        m.label.text += sources.size() > 1 ? "@" + src.text : "";
                    }
                    m.region = inst;
                    m.region_from = src.text;
                    m.region_to = target;
                    row.body = std::move(m);
                    expand_one(row, out, env, "");
                    if (auto* done = std::get_if<TransitionDecl>(&out.back().body)) {
                        done->name_hint = fmt::format("{}.{}.{}.{}", inst, src.text, done->event.text, target);
                    }
                }
            }
        }
    }

    TypeSyntax type(TypeSyntax t, const Env& env) {
        t.lo = subst(t.lo, env);
        t.hi = subst(t.hi, env);
        return t;
    }

    /// `NAME[EXPR]` as the name of its element; a plain name is checked not to be an array.
    Name reference(Name n, const Env& env, const std::map<std::string, IndexRange>& arrays, const char* kind) {
        auto it = arrays.find(n.text);
        if (!n.index) {
            if (it != arrays.end()) {
                report(diag::array_without_index(n.range, kind, n.text, it->second.lo, it->second.hi));
            }
            return n;
        }
        auto k = element(n.text, n.index, n.range, env, arrays);
        if (k) {
            n.text = fmt::format("{}[{}]", n.text, *k);
        }
        n.index = nullptr;
        return n;
    }

    /// The element index `index` names, checked; none after an error.
    std::optional<std::int64_t> element(const std::string& name, const ExprPtr& index, const SourceRange& at,
                                        const Env& env, const std::map<std::string, IndexRange>& arrays) {
        auto it = arrays.find(name);
        if (it == arrays.end()) {
            report(diag::not_an_array(at, name));
            return std::nullopt;
        }
        auto k = eval_.value(index, env);
        if (!k) {
            report(diag::index_not_constant(index->range, name));
            return std::nullopt;
        }
        if (*k < it->second.lo || *k > it->second.hi) {
            report(diag::index_out_of_range(index->range, name, *k, it->second.lo, it->second.hi));
            return std::nullopt;
        }
        return k;
    }

    /// Loop indices replaced by their values and array elements by their names.
    ExprPtr subst(const ExprPtr& e, const Env& env) {
        if (!e) {
            return e;
        }
        if (e->op == Op::Name) {
            if (e->lhs) {
                auto copy = std::make_shared<Expr>(*e);
                auto k = element(e->name, e->lhs, e->range, env, scope_.value_arrays);
                if (k) {
                    copy->name = fmt::format("{}[{}]", e->name, *k);
                }
                copy->lhs = nullptr;
                copy->depth = 1;
                return copy;
            }
            if (const auto* v = lookup(env, e->name)) {
                return int_lit(*v, e->range);
            }
            if (auto it = scope_.value_arrays.find(e->name); it != scope_.value_arrays.end()) {
                report(diag::array_without_index(e->range, "variable or parameter", e->name, it->second.lo,
                                                 it->second.hi));
            }
            return e;
        }
        if (!e->lhs && !e->rhs) {
            return e;
        }
        auto copy = std::make_shared<Expr>(*e);
        copy->lhs = subst(e->lhs, env);
        copy->rhs = subst(e->rhs, env);
        return copy;
    }

    /// A template expanded several times would repeat its errors: each is reported once.
    void report(Diagnostic d) {
        auto key = std::make_tuple(d.range.file.get(), d.range.line, d.range.col, d.message);
        if (reported_.insert(std::move(key)).second) {
            diags_.push_back(std::move(d));
        }
    }

    const ExpandScope& scope_;
    Evaluator eval_;
    std::vector<Diagnostic>& diags_;
    std::set<std::tuple<const SourceFile*, std::uint32_t, std::uint32_t, std::string>> reported_{};
};

}  // namespace

void collect_scope(const std::vector<Decl>& decls, ExpandScope& scope) {
    for (const Decl& decl : decls) {
        if (const auto* c = std::get_if<ConstDecl>(&decl.body)) {
            scope.consts.emplace(c->name.text, c->value);
        }
    }
    Evaluator eval{scope};
    auto array = [&](const Name& name, const ArrayElement& a, std::map<std::string, IndexRange>& arrays) {
        if (a.size) {
            if (auto n = eval.value(a.size, Env{}); n && *n >= 1 && *n <= kMaxArraySize) {
                arrays[name.text] = IndexRange{1, *n};
            }
        } else if (!a.array.empty()) {
            auto [it, inserted] = arrays.try_emplace(a.array, IndexRange{a.index, a.index});
            it->second.lo = std::min(it->second.lo, a.index);
            it->second.hi = std::max(it->second.hi, a.index);
        }
    };
    auto literals = [&](const TypeSyntax& t) {
        for (const Name& lit : t.literals) {
            scope.names.emplace(lit.text, fmt::format("enumeration literal '{}'", lit.text));
        }
    };
    for (const Decl& decl : decls) {
        if (const auto* c = std::get_if<ConstDecl>(&decl.body)) {
            scope.names.emplace(c->name.text, fmt::format("constant '{}'", c->name.text));
        } else if (const auto* p = std::get_if<ParamDecl>(&decl.body)) {
            array(p->name, p->array, scope.value_arrays);
            const std::string& n = p->array.array.empty() ? p->name.text : p->array.array;
            scope.names.emplace(n, fmt::format("parameter '{}'", n));
            literals(p->type);
        } else if (const auto* v = std::get_if<VarDecl>(&decl.body)) {
            array(v->name, v->array, scope.value_arrays);
            const std::string& n = v->array.array.empty() ? v->name.text : v->array.array;
            scope.names.emplace(n, fmt::format("variable '{}'", n));
            literals(v->type);
        } else if (const auto* e = std::get_if<EventDecl>(&decl.body)) {
            array(e->name, e->array, scope.event_arrays);
        } else if (const auto* s = std::get_if<StateDecl>(&decl.body)) {
            scope.names.emplace(s->name.text, fmt::format("state '{}'", s->name.text));
        } else if (const auto* r = std::get_if<RegionDecl>(&decl.body)) {
            const std::string& n = r->machine.empty() ? r->name.text : r->machine;
            scope.names.emplace(n, fmt::format("region '{}'", n));
            if (!r->index.text.empty()) {
                auto lo = eval.value(r->lo, Env{});
                auto hi = eval.value(r->hi, Env{});
                if (lo && hi && *lo <= *hi) {
                    scope.value_arrays[n] = IndexRange{*lo, *hi};
                }
            }
            for (const Decl& d : r->body) {
                if (const auto* st = std::get_if<StateDecl>(&d.body)) {
                    scope.names.emplace(st->name.text, fmt::format("region state '{}'", st->name.text));
                }
            }
            for (const StateDecl& st : r->states) {
                scope.names.emplace(st.name.text, fmt::format("region state '{}'", st.name.text));
            }
        }
    }
}

std::vector<Decl> expand_decls(std::vector<Decl> decls, const ExpandScope& scope,
                               std::vector<Diagnostic>& diagnostics) {
    std::vector<Decl> out;
    out.reserve(decls.size());
    Expander{scope, diagnostics}.expand(decls, out, Env{}, "");
    return out;
}

}  // namespace lwm2mc::model::detail
