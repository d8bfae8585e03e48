// SPDX-License-Identifier: Apache-2.0
// The message layer of the capture reader: CoAP datagrams of one client -> WireExchanges (RFC 7252 4, RFC 7959).

#include "lwm2mc/conformance/capture.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "coap_decode.hpp"

namespace lwm2mc::conformance {

std::string_view outcome_name(Outcome o) {
    switch (o) {
    case Outcome::Answered:
        return "answered";
    case Outcome::Timeout:
        return "timeout";
    case Outcome::Reset:
        return "reset";
    case Outcome::Unreachable:
        return "unreachable";
    }
    return "?";
}

namespace {

using detail::BlockValue;
using detail::CoapMessage;
using detail::CoapType;

/// A datagram that decoded as CoAP.
struct Message {
    const Datagram* datagram{nullptr};
    CoapMessage coap{};
};

/// (sender, receiver, message id): RFC 7252 4.5 deduplicates by source endpoint and message id; the receiver
/// is part of the key too so that one client talking to two servers with the same id is not folded.
using MidKey = std::tuple<std::string, std::uint16_t, std::string, std::uint16_t, std::uint16_t>;

MidKey mid_key(const client::Endpoint& from, const client::Endpoint& to, std::uint16_t mid) {
    return {from.host, from.port, to.host, to.port, mid};
}

/// One request message (one message id) of an exchange: the first request, a further Block1 block or a request
/// for a further Block2 block.
struct Tx {
    std::size_t exchange{0};
    client::Endpoint from{};
    client::Endpoint to{};
    std::vector<std::uint8_t> token{};
    std::int64_t first_us{0};
    std::size_t first_packet{0};
    bool block2_follow{false};  ///< asks for a later Block2 block of the exchange's response
    std::optional<BlockValue> block1{};
    std::optional<BlockValue> block2{};
    bool ended{false};  ///< answered, reset or unreachable
};

enum class State : std::uint8_t { AwaitingResponse, AwaitingNextBlock1, Done };

/// An exchange being built.
struct Work {
    WireExchange ex{};
    State state{State::AwaitingResponse};
    std::size_t line_tx{0};  ///< the request message whose answer ends (or continues) the exchange
    client::Endpoint requester{};
    client::Endpoint responder{};
    std::size_t first_packet{0};
    std::optional<BlockValue> block2_next{};  ///< the Block2 block expected next while a transfer goes on
};

std::string describe(const client::Request& r) {
    std::string s = client::code_to_string(r.method);
    switch (r.method) {
    case client::code::kGet:
        s = "GET";
        break;
    case client::code::kPost:
        s = "POST";
        break;
    case client::code::kPut:
        s = "PUT";
        break;
    case client::code::kDelete:
        s = "DELETE";
        break;
    default:
        break;
    }
    s += ' ' + client::path_to_string(r.uri_path);
    return s;
}

std::string seconds(std::int64_t us) {
    return std::to_string(us / 1'000'000) + "." + std::to_string((us % 1'000'000) / 100'000) + " s";
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (const std::uint8_t b : bytes) {
        s += kDigits[b >> 4U];
        s += kDigits[b & 0x0FU];
    }
    return s.empty() ? "(empty)" : s;
}

class MessageLayer {
public:
    MessageLayer(CaptureResult& result, const CaptureOptions& options) : result_{result}, options_{options} {}

    void on_message(const Message& m) {
        const Datagram& d = *m.datagram;
        const CoapMessage& c = m.coap;
        if (!is_client(d.from) && !is_client(d.to)) {
            skip(d, "not the client under test (" + to_string(d.from) + " -> " + to_string(d.to) + ")");
            return;
        }
        if (c.is_empty()) {
            switch (c.type) {
            case CoapType::Confirmable:
                pings_[mid_key(d.from, d.to, c.message_id)] = d.packet;
                skip(d, "CoAP ping (empty CON)");
                return;
            case CoapType::NonConfirmable:
                skip(d, "empty NON message");
                return;
            case CoapType::Acknowledgement:
                on_empty_ack(d, c);
                return;
            case CoapType::Reset:
                on_reset(d, c);
                return;
            }
        }
        if (c.is_request()) {
            if (c.type == CoapType::Acknowledgement || c.type == CoapType::Reset) {
                skip(d, std::string{detail::type_name(c.type)} + " carrying a request (RFC 7252 4.2, 4.3)");
                return;
            }
            on_request(d, c);
            return;
        }
        // A response (decode_coap refuses the reserved classes).
        switch (c.type) {
        case CoapType::Acknowledgement:
            on_piggybacked(d, c);
            return;
        case CoapType::Confirmable:
        case CoapType::NonConfirmable:
            on_separate(d, c);
            return;
        case CoapType::Reset:
            skip(d, "RST carrying a response (RFC 7252 4.2)");
            return;
        }
    }

    void on_unreachable(const IcmpUnreachable& u) {
        if (!is_client(u.from) && !is_client(u.to)) {
            skip(u.packet, u.t_us,
                 "not the client under test (ICMP port unreachable for " + to_string(u.from) + " -> " +
                     to_string(u.to) + ")");
            return;
        }
        // The error quotes a datagram from -> to; the latest request message on that path it can be about.
        std::optional<std::size_t> open;
        std::optional<std::size_t> folded;
        for (std::size_t i = txs_.size(); i-- > 0;) {
            const Tx& tx = txs_[i];
            if (tx.from != u.from || tx.to != u.to || tx.first_us > u.t_us ||
                u.t_us - tx.first_us > options_.exchange_lifetime_us) {
                continue;
            }
            if (!tx.ended) {
                open = i;
                break;
            }
            if (!folded && works_[tx.exchange].ex.outcome == Outcome::Unreachable &&
                works_[tx.exchange].state == State::Done) {
                folded = i;
            }
        }
        if (open) {
            Tx& tx = txs_[*open];
            Work& w = works_[tx.exchange];
            w.ex.packets.push_back(u.packet);
            tx.ended = true;
            if (tx.block2_follow) {
                note(u.packet, "ICMP port unreachable for the request of Block2 block " +
                                   std::to_string(tx.block2 ? tx.block2->num : 0) + " of " + describe(w.ex.request) +
                                   "; the response keeps the blocks before it");
                w.block2_next.reset();
                return;
            }
            if (*open == w.line_tx && w.state != State::Done) {
                end(w, Outcome::Unreachable, u.t_us);
            }
            return;
        }
        if (folded) {
            works_[txs_[*folded].exchange].ex.packets.push_back(u.packet);
            return;
        }
        skip(u.packet, u.t_us,
             "ICMP port unreachable for " + to_string(u.from) + " -> " + to_string(u.to) + " matching no open request");
    }

    /// Requests still open at the end of the capture: timeouts, transfers cut short.
    void finish(std::int64_t end_us) {
        for (std::size_t i = 0; i < txs_.size(); ++i) {
            Tx& tx = txs_[i];
            Work& w = works_[tx.exchange];
            if (tx.ended) {
                continue;
            }
            const std::int64_t deadline = tx.first_us + options_.exchange_lifetime_us;
            if (tx.block2_follow) {
                note(tx.first_packet, "Block2 block " + std::to_string(tx.block2 ? tx.block2->num : 0) + " of " +
                                          describe(w.ex.request) +
                                          " was not answered; the response keeps the blocks before it");
                continue;
            }
            if (i != w.line_tx || w.state != State::AwaitingResponse) {
                continue;
            }
            w.ex.response.reset();
            if (deadline <= end_us) {
                end(w, Outcome::Timeout, deadline);
            } else {
                end(w, Outcome::Timeout, end_us);
                note(tx.first_packet, "the capture ended " + seconds(end_us - tx.first_us) + " after " +
                                          describe(w.ex.request) +
                                          " was sent, before its exchange lifetime; counted as a timeout");
            }
        }
        for (Work& w : works_) {
            if (w.state == State::AwaitingNextBlock1) {
                note(w.first_packet, "the Block1 transfer of " + describe(w.ex.request) +
                                         " ended before its last block; kept with the last block's response");
                end(w, Outcome::Answered, w.ex.done_us);
            }
        }
        std::vector<Work*> order;
        order.reserve(works_.size());
        for (Work& w : works_) {
            order.push_back(&w);
        }
        std::stable_sort(order.begin(), order.end(), [](const Work* a, const Work* b) {
            return std::tie(a->ex.t_us, a->first_packet) < std::tie(b->ex.t_us, b->first_packet);
        });
        for (Work* w : order) {
            auto& p = w->ex.packets;
            std::sort(p.begin(), p.end());
            p.erase(std::unique(p.begin(), p.end()), p.end());
            result_.exchanges.push_back(std::move(w->ex));
        }
    }

private:
    [[nodiscard]] bool is_client(const client::Endpoint& e) const {
        return std::find(result_.client_addresses.begin(), result_.client_addresses.end(), e) !=
               result_.client_addresses.end();
    }

    void skip(std::size_t packet, std::int64_t t_us, std::string reason) {
        result_.skipped.push_back(SkippedPacket{packet, t_us, std::move(reason)});
    }
    void skip(const Datagram& d, std::string reason) { skip(d.packet, d.t_us, std::move(reason)); }
    void note(std::size_t packet, const std::string& text) {
        result_.notes.push_back(packet != 0 ? "packet " + std::to_string(packet) + ": " + text : text);
    }

    static void end(Work& w, Outcome outcome, std::int64_t t_us) {
        w.state = State::Done;
        w.ex.outcome = outcome;
        w.ex.done_us = t_us;
        if (outcome != Outcome::Answered) {
            w.ex.response.reset();
        }
    }

    /// The request message `from` -> `to` with this id sent within the exchange lifetime before `t_us`.
    /// With `any_age`, also an older one (to say why a late answer matches nothing).
    std::optional<std::size_t> find_tx(const client::Endpoint& from, const client::Endpoint& to, std::uint16_t mid,
                                       std::int64_t t_us, bool any_age = false) const {
        const auto it = txs_by_mid_.find(mid_key(from, to, mid));
        if (it == txs_by_mid_.end()) {
            return std::nullopt;
        }
        for (auto i = it->second.rbegin(); i != it->second.rend(); ++i) {
            if (any_age || t_us - txs_[*i].first_us <= options_.exchange_lifetime_us) {
                return *i;
            }
        }
        return std::nullopt;
    }

    /// The latest exchange from -> to for the same method and path in which `wanted` holds.
    template <typename Pred>
    std::optional<std::size_t> find_work(const Datagram& d, const client::Request& r, Pred wanted) const {
        for (std::size_t i = works_.size(); i-- > 0;) {
            const Work& w = works_[i];
            if (w.requester == d.from && w.responder == d.to && w.ex.request.method == r.method &&
                w.ex.request.uri_path == r.uri_path && d.t_us - w.ex.t_us <= options_.exchange_lifetime_us &&
                wanted(w)) {
                return i;
            }
        }
        return std::nullopt;
    }

    std::size_t add_tx(const Datagram& d, const CoapMessage& c, std::size_t exchange, bool block2_follow) {
        Tx tx;
        tx.exchange = exchange;
        tx.from = d.from;
        tx.to = d.to;
        tx.token = c.token;
        tx.first_us = d.t_us;
        tx.first_packet = d.packet;
        tx.block2_follow = block2_follow;
        tx.block1 = c.block1;
        tx.block2 = c.block2;
        txs_.push_back(std::move(tx));
        txs_by_mid_[mid_key(d.from, d.to, c.message_id)].push_back(txs_.size() - 1);
        return txs_.size() - 1;
    }

    /// Appends a block at its offset to `body`; notes a gap or an overlap.
    void place_block(std::vector<std::uint8_t>& body, const BlockValue& b, const std::vector<std::uint8_t>& data,
                     std::size_t packet, const std::string& what) {
        const std::size_t offset = b.offset();
        if (offset < body.size()) {
            note(packet, what + " block " + std::to_string(b.num) + " overlaps earlier blocks; replaced from byte " +
                             std::to_string(offset));
            body.resize(offset);
        } else if (offset > body.size()) {
            note(packet, what + " block " + std::to_string(b.num) + " starts at byte " + std::to_string(offset) +
                             " but only " + std::to_string(body.size()) + " bytes came before; appended");
        }
        body.insert(body.end(), data.begin(), data.end());
    }

    void on_request(const Datagram& d, const CoapMessage& c) {
        // RFC 7252 4.5: the same message id from the same endpoint within EXCHANGE_LIFETIME is a duplicate.
        if (const auto i = find_tx(d.from, d.to, c.message_id, d.t_us)) {
            Tx& tx = txs_[*i];
            Work& w = works_[tx.exchange];
            ++w.ex.retransmissions;
            w.ex.packets.push_back(d.packet);
            if (tx.ended && *i == w.line_tx && w.state == State::Done && w.ex.outcome == Outcome::Unreachable) {
                // ICMP port unreachable is transient (RFC 7252 4.2 leaves it to the sender; libcoap retransmits
                // after it): a retransmission shows that the requester has not given up, so the exchange is open
                // again and ends with the peer's answer, a later ICMP error or the exchange lifetime.
                tx.ended = false;
                w.state = State::AwaitingResponse;
                note(d.packet, "retransmission of " + describe(w.ex.request) +
                                   " after ICMP port unreachable: the exchange is open again");
            }
            return;
        }
        if (c.block1 && c.block1->num > 0) {
            const auto found = find_work(d, c.request, [&](const Work& w) {
                if (w.state == State::AwaitingNextBlock1) {
                    return true;
                }
                // A next block sent without waiting for the answer to the previous one (NON requests).
                const Tx& line = txs_[w.line_tx];
                return w.state == State::AwaitingResponse && line.block1 && line.block1->more &&
                       line.block1->num + 1 == c.block1->num;
            });
            if (found) {
                Work& w = works_[*found];
                place_block(w.ex.request.payload, *c.block1, c.request.payload, d.packet,
                            "Block1 of " + describe(w.ex.request));
                w.ex.packets.push_back(d.packet);
                w.line_tx = add_tx(d, c, *found, false);
                w.state = State::AwaitingResponse;
                return;
            }
            note(d.packet, "Block1 block " + std::to_string(c.block1->num) + " of " + describe(c.request) +
                               " without the blocks before it; kept as an exchange of its own");
        }
        if (c.block2 && c.block2->num > 0) {
            const auto found = find_work(d, c.request, [](const Work& w) { return w.block2_next.has_value(); });
            if (found) {
                works_[*found].ex.packets.push_back(d.packet);
                add_tx(d, c, *found, true);
                return;
            }
            note(d.packet, "request for Block2 block " + std::to_string(c.block2->num) + " of " + describe(c.request) +
                               " without a transfer in progress; kept as an exchange of its own");
        }
        Work w;
        w.ex.t_us = d.t_us;
        w.ex.done_us = d.t_us;
        const bool by_client = is_client(d.from);
        w.ex.initiator = by_client ? Initiator::Client : Initiator::Server;
        w.ex.client = by_client ? d.from : d.to;
        w.ex.server = by_client ? d.to : d.from;
        w.ex.request = c.request;
        w.ex.packets.push_back(d.packet);
        w.requester = d.from;
        w.responder = d.to;
        w.first_packet = d.packet;
        works_.push_back(std::move(w));
        works_.back().line_tx = add_tx(d, c, works_.size() - 1, false);
    }

    /// A response (piggy-backed or separate) to request message `i`.
    void answer(std::size_t i, const Datagram& d, const CoapMessage& c) {
        Tx& tx = txs_[i];
        Work& w = works_[tx.exchange];
        if (d.t_us - tx.first_us > options_.exchange_lifetime_us) {
            skip(d, "response " + seconds(d.t_us - tx.first_us) + " after its request (packet " +
                        std::to_string(tx.first_packet) + "), after the exchange lifetime");
            return;
        }
        w.ex.packets.push_back(d.packet);
        if (tx.ended) {
            return;  // a duplicate response, e.g. the cached answer to a retransmitted request
        }
        tx.ended = true;
        const client::Response& r = c.response;
        if (tx.block2_follow) {
            if (w.block2_next && w.ex.response && client::is_success(r.code) && c.block2) {
                place_block(w.ex.response->payload, *c.block2, r.payload, d.packet,
                            "Block2 of " + describe(w.ex.request));
                w.ex.done_us = d.t_us;
                w.block2_next.reset();
                if (c.block2->more) {
                    w.block2_next = BlockValue{c.block2->num + 1, false, c.block2->szx};
                }
            } else {
                note(d.packet, "the Block2 transfer of " + describe(w.ex.request) + " stopped with " +
                                   client::code_to_string(r.code) + "; the response keeps the blocks before it");
                w.block2_next.reset();
            }
            return;
        }
        if (i != w.line_tx || w.state == State::Done) {
            return;  // the late answer to an earlier Block1 block
        }
        w.ex.response = r;
        w.ex.done_us = d.t_us;
        // RFC 7959 2.3: 2.31 Continue (or a 2.xx of a non-atomic server) for a block with M set: more to come.
        if (tx.block1 && tx.block1->more && client::is_success(r.code)) {
            w.state = State::AwaitingNextBlock1;
            return;
        }
        end(w, Outcome::Answered, d.t_us);
        if (c.block2 && c.block2->more && client::is_success(r.code)) {
            w.block2_next = BlockValue{c.block2->num + 1, false, c.block2->szx};
        }
    }

    void on_piggybacked(const Datagram& d, const CoapMessage& c) {
        const auto i = find_tx(d.to, d.from, c.message_id, d.t_us, true);
        if (!i) {
            skip(d, "piggy-backed response " + client::code_to_string(c.code) + " matching no request (message id " +
                        std::to_string(c.message_id) + ")");
            return;
        }
        if (txs_[*i].token != c.token) {
            note(d.packet, "the piggy-backed response's token " + hex(c.token) + " differs from its request's " +
                               hex(txs_[*i].token));
        }
        answer(*i, d, c);
    }

    void on_separate(const Datagram& d, const CoapMessage& c) {
        const MidKey key = mid_key(d.from, d.to, c.message_id);
        if (const auto it = separate_.find(key); it != separate_.end()) {
            works_[it->second].ex.packets.push_back(d.packet);  // a retransmitted separate response
            return;
        }
        std::optional<std::size_t> match;
        for (std::size_t i = txs_.size(); i-- > 0;) {
            const Tx& tx = txs_[i];
            if (!tx.ended && tx.from == d.to && tx.to == d.from && tx.token == c.token) {
                match = i;
                break;
            }
        }
        if (!match) {
            skip(d, "separate response " + client::code_to_string(c.code) + " matching no open request (token " +
                        hex(c.token) + ")");
            return;
        }
        separate_[key] = txs_[*match].exchange;
        answer(*match, d, c);
    }

    void on_empty_ack(const Datagram& d, const CoapMessage& c) {
        if (const auto i = find_tx(d.to, d.from, c.message_id, d.t_us)) {
            works_[txs_[*i].exchange].ex.packets.push_back(d.packet);  // a separate response is to follow
            return;
        }
        if (const auto it = separate_.find(mid_key(d.to, d.from, c.message_id)); it != separate_.end()) {
            works_[it->second].ex.packets.push_back(d.packet);  // acknowledges a separate response
            return;
        }
        skip(d, "empty ACK matching no message (message id " + std::to_string(c.message_id) + ")");
    }

    void on_reset(const Datagram& d, const CoapMessage& c) {
        if (const auto i = find_tx(d.to, d.from, c.message_id, d.t_us)) {
            Tx& tx = txs_[*i];
            Work& w = works_[tx.exchange];
            w.ex.packets.push_back(d.packet);
            if (tx.ended) {
                return;
            }
            tx.ended = true;
            if (tx.block2_follow) {
                note(d.packet, "the Block2 transfer of " + describe(w.ex.request) +
                                   " was reset; the response keeps the blocks before it");
                w.block2_next.reset();
            } else if (*i == w.line_tx && w.state != State::Done) {
                end(w, Outcome::Reset, d.t_us);
            }
            return;
        }
        if (const auto it = separate_.find(mid_key(d.to, d.from, c.message_id)); it != separate_.end()) {
            works_[it->second].ex.packets.push_back(d.packet);
            note(d.packet, "a separate response was rejected with RST");
            return;
        }
        if (const auto it = pings_.find(mid_key(d.to, d.from, c.message_id)); it != pings_.end()) {
            skip(d, "RST answering the CoAP ping of packet " + std::to_string(it->second));
            return;
        }
        skip(d, "RST matching no message (message id " + std::to_string(c.message_id) + ")");
    }

    CaptureResult& result_;
    const CaptureOptions& options_;
    std::vector<Tx> txs_{};
    std::vector<Work> works_{};
    std::map<MidKey, std::vector<std::size_t>> txs_by_mid_{};
    std::map<MidKey, std::size_t> separate_{};  ///< separate responses (CON/NON) -> exchange
    std::map<MidKey, std::size_t> pings_{};     ///< empty CONs -> packet
};

/// The endpoint name of a Bootstrap-Request (POST /bs?ep=NAME) or Register (POST /rd?ep=NAME), if `c` is one.
std::optional<std::string> endpoint_of(const CoapMessage& c) {
    if (!c.is_request() || c.request.uri_path.size() != 1 ||
        (c.request.uri_path[0] != "bs" && c.request.uri_path[0] != "rd")) {
        return std::nullopt;
    }
    for (const std::string& q : c.request.uri_query) {
        if (q.rfind("ep=", 0) == 0) {
            return q.substr(3);
        }
    }
    return std::nullopt;
}

}  // namespace

CaptureResult exchanges_from(std::span<const Datagram> datagrams, std::span<const IcmpUnreachable> unreachables,
                             const CaptureOptions& options) {
    CaptureResult result;
    result.packets = datagrams.size() + unreachables.size();

    std::vector<Message> messages;
    std::int64_t end_us = 0;
    bool any = false;
    for (const Datagram& d : datagrams) {
        end_us = any ? std::max(end_us, d.t_us) : d.t_us;
        any = true;
        auto decoded = detail::decode_coap(d.payload);
        if (auto* why = std::get_if<std::string>(&decoded)) {
            result.skipped.push_back(SkippedPacket{d.packet, d.t_us, "not CoAP: " + *why});
            continue;
        }
        messages.push_back(Message{&d, std::move(std::get<CoapMessage>(decoded))});
    }
    for (const IcmpUnreachable& u : unreachables) {
        end_us = any ? std::max(end_us, u.t_us) : u.t_us;
        any = true;
    }
    result.coap_messages = messages.size();
    std::stable_sort(messages.begin(), messages.end(), [](const Message& a, const Message& b) {
        return std::tie(a.datagram->t_us, a.datagram->packet) < std::tie(b.datagram->t_us, b.datagram->packet);
    });

    // The client under test: who sends Bootstrap-Request / Register with the chosen endpoint name.
    std::vector<std::string> names;
    for (const Message& m : messages) {
        if (auto ep = endpoint_of(m.coap); ep && std::find(names.begin(), names.end(), *ep) == names.end()) {
            names.push_back(std::move(*ep));
        }
    }
    if (options.endpoint_name) {
        if (std::find(names.begin(), names.end(), *options.endpoint_name) != names.end()) {
            result.endpoint_name = options.endpoint_name;
        } else {
            result.notes.push_back("endpoint name '" + *options.endpoint_name +
                                   "' is in no Bootstrap-Request or Register of the capture");
        }
    } else if (!names.empty()) {
        result.endpoint_name = names.front();
    }
    if (!result.endpoint_name && names.empty()) {
        result.notes.push_back("no Bootstrap-Request or Register with an endpoint name: no client under test");
    }
    for (const std::string& name : names) {
        if (name != result.endpoint_name) {
            result.notes.push_back("the capture also holds endpoint '" + name + "' (choose it with the endpoint name)");
        }
    }
    if (result.endpoint_name) {
        for (const Message& m : messages) {
            const auto ep = endpoint_of(m.coap);
            auto& addrs = result.client_addresses;
            if (ep == result.endpoint_name && std::find(addrs.begin(), addrs.end(), m.datagram->from) == addrs.end()) {
                addrs.push_back(m.datagram->from);
            }
        }
    }

    // Datagrams and ICMP errors together in time order.
    std::vector<const IcmpUnreachable*> icmps;
    for (const IcmpUnreachable& u : unreachables) {
        icmps.push_back(&u);
    }
    std::stable_sort(icmps.begin(), icmps.end(), [](const IcmpUnreachable* a, const IcmpUnreachable* b) {
        return std::tie(a->t_us, a->packet) < std::tie(b->t_us, b->packet);
    });
    MessageLayer layer{result, options};
    auto next_icmp = icmps.begin();
    for (const Message& m : messages) {
        while (next_icmp != icmps.end() &&
               std::tie((*next_icmp)->t_us, (*next_icmp)->packet) < std::tie(m.datagram->t_us, m.datagram->packet)) {
            layer.on_unreachable(**next_icmp++);
        }
        layer.on_message(m);
    }
    for (; next_icmp != icmps.end(); ++next_icmp) {
        layer.on_unreachable(**next_icmp);
    }
    layer.finish(options.capture_end_us.value_or(end_us));

    std::stable_sort(result.skipped.begin(), result.skipped.end(),
                     [](const SkippedPacket& a, const SkippedPacket& b) { return a.packet < b.packet; });
    return result;
}

CaptureResult read_capture(const std::filesystem::path& path, const CaptureOptions& options) {
    PcapContents pcap = read_pcap(path);
    CaptureOptions opts = options;
    if (!opts.capture_end_us) {
        std::optional<std::int64_t> end;
        const auto see = [&](std::int64_t t) { end = end ? std::max(*end, t) : t; };
        for (const Datagram& d : pcap.datagrams) {
            see(d.t_us);
        }
        for (const IcmpUnreachable& u : pcap.unreachables) {
            see(u.t_us);
        }
        for (const SkippedPacket& s : pcap.skipped) {
            see(s.t_us);
        }
        opts.capture_end_us = end;
    }
    CaptureResult result = exchanges_from(pcap.datagrams, pcap.unreachables, opts);
    result.packets = pcap.packets;
    result.error = std::move(pcap.error);
    result.skipped.insert(result.skipped.end(), std::make_move_iterator(pcap.skipped.begin()),
                          std::make_move_iterator(pcap.skipped.end()));
    std::stable_sort(result.skipped.begin(), result.skipped.end(),
                     [](const SkippedPacket& a, const SkippedPacket& b) { return a.packet < b.packet; });
    return result;
}

}  // namespace lwm2mc::conformance
