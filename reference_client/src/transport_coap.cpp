// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/transport_coap.hpp"

#include "lwm2mc/client/blockwise.hpp"

// g++ 12 at -O3 reports -Wstringop-overread inside libstdc++ for vector<uint8_t>::insert of a possibly empty
// range and for the lexicographic compare of vector<uint8_t> map keys (GCC bugs 105329, 106199: false positives,
// no read beyond the ranges). Silenced for this file only so that the release build stays warning-free.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif

#include <coap3/coap.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace lwm2mc::client {

namespace {

// RFC 7252 5.10 option numbers.
constexpr std::uint16_t kOptUriHost = 3;
constexpr std::uint16_t kOptObserve = 6;  // RFC 7641 2 (elective)
constexpr std::uint16_t kOptUriPort = 7;
constexpr std::uint16_t kOptLocationPath = 8;
constexpr std::uint16_t kOptUriPath = 11;
constexpr std::uint16_t kOptContentFormat = 12;
constexpr std::uint16_t kOptMaxAge = 14;
constexpr std::uint16_t kOptUriQuery = 15;
constexpr std::uint16_t kOptAccept = 17;
constexpr std::uint16_t kOptBlock2 = 23;  // RFC 7959
constexpr std::uint16_t kOptBlock1 = 27;
constexpr std::uint16_t kOptSize1 = 60;

constexpr Code kContinue = coap_code(2, 31);                // RFC 7959 2.9.1
constexpr Code kRequestEntityIncomplete = coap_code(4, 8);  // RFC 7959 2.9.2

/// Critical options this transport acts on or may ignore (RFC 7252 5.4.1: odd numbers are critical).
bool is_understood_critical(std::uint16_t number) {
    switch (number) {
    case kOptUriHost:  // one host per socket: any Uri-Host is ours
    case kOptUriPort:  // likewise
    case kOptUriPath:
    case kOptUriQuery:
    case kOptAccept:
    case kOptBlock2:  // served by libcoap or by on_request
    case kOptBlock1:  // reassembled by on_request
        return true;
    default:
        return false;
    }
}

void apply_log_level(int level);

void ensure_coap_started() {
    static std::once_flag once;
    std::call_once(once, [] {
        coap_startup();
        apply_log_level(0);  // quiet unless LWM2MC_COAP_LOG says otherwise (parse_coap_request on garbage warns)
    });
}

void apply_log_level(int level) {
    // libcoap's log level is process-wide; the environment wins so that a failing test can be rerun verbosely.
    if (const char* env = std::getenv("LWM2MC_COAP_LOG")) {
        level = std::atoi(env);
    }
    coap_set_log_level(static_cast<coap_log_t>(level));
}

std::string opt_string(const coap_opt_t* opt) {
    const auto* v = coap_opt_value(opt);
    return std::string(reinterpret_cast<const char*>(v), coap_opt_length(opt));
}

/// Content-Format and Accept are uint options of 0 to 2 bytes (RFC 7252 5.10). A longer value is outside the
/// option's length range and "MUST be treated like an unrecognized option" (RFC 7252 5.4.3): nullopt.
std::optional<std::uint16_t> opt_uint16(const coap_opt_t* opt) {
    if (coap_opt_length(opt) > 2) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt)));
}

std::vector<std::uint8_t> body_of(const coap_pdu_t* pdu) {
    size_t len = 0;
    size_t offset = 0;
    size_t total = 0;
    const std::uint8_t* data = nullptr;
    // Without COAP_BLOCK_SINGLE_BODY this is the payload of the one block that arrived (Block1 request or Block2
    // response); the transport puts the blocks together.
    if (coap_get_data_large(pdu, &len, &data, &offset, &total) == 0 || data == nullptr) {
        return {};
    }
    return {data, data + len};
}

/// The Observe option: 0 to 3 bytes (RFC 7641 2); a longer value is ignored like an unknown elective option.
std::optional<std::uint32_t> opt_observe(const coap_opt_t* opt) {
    if (coap_opt_length(opt) > 3) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt)));
}

std::vector<std::uint8_t> token_of(const coap_pdu_t* pdu) {
    const coap_bin_const_t tok = coap_pdu_get_token(pdu);
    return {tok.s, tok.s + tok.length};
}

/// Converts a request PDU; shared by the socket path and parse_coap_request.
Request request_from_pdu(const coap_pdu_t* pdu) {
    Request r;
    r.method = static_cast<Code>(coap_pdu_get_code(pdu));
    r.token = token_of(pdu);
    coap_opt_iterator_t it;
    coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
    while (const coap_opt_t* opt = coap_option_next(&it)) {
        switch (it.number) {
        case kOptUriPath:
            r.uri_path.push_back(opt_string(opt));
            break;
        case kOptUriQuery:
            r.uri_query.push_back(opt_string(opt));
            break;
        case kOptObserve:
            r.observe = opt_observe(opt);
            break;
        case kOptContentFormat:
            r.content_format = opt_uint16(opt);  // elective: an over-long value is ignored (RFC 7252 5.4.1)
            break;
        case kOptAccept:
            r.accept = opt_uint16(opt);
            if (!r.accept) {
                r.has_unknown_critical_option = true;  // critical: an over-long value makes it 4.02 Bad Option
            }
            break;
        default:
            if ((it.number & 1U) != 0 && !is_understood_critical(it.number)) {
                r.has_unknown_critical_option = true;
            }
            break;
        }
    }
    r.payload = body_of(pdu);
    return r;
}

Response response_from_pdu(const coap_pdu_t* pdu) {
    Response r;
    r.code = static_cast<Code>(coap_pdu_get_code(pdu));
    coap_opt_iterator_t it;
    coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
    while (const coap_opt_t* opt = coap_option_next(&it)) {
        if (it.number == kOptLocationPath) {
            r.location_path.push_back(opt_string(opt));
        } else if (it.number == kOptContentFormat) {
            r.content_format = opt_uint16(opt);
        } else if (it.number == kOptObserve) {
            r.observe = opt_observe(opt);
        } else if (it.number == kOptMaxAge && coap_opt_length(opt) <= 4) {
            r.max_age = static_cast<std::uint32_t>(coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt)));
        }
    }
    r.payload = body_of(pdu);
    return r;
}

std::optional<coap_address_t> to_coap_address(const std::string& host, std::uint16_t port) {
    coap_address_t a;
    coap_address_init(&a);
    if (inet_pton(AF_INET, host.c_str(), &a.addr.sin.sin_addr) == 1) {
        a.addr.sin.sin_family = AF_INET;
        a.addr.sin.sin_port = htons(port);
        a.size = sizeof(a.addr.sin);
        return a;
    }
    if (inet_pton(AF_INET6, host.c_str(), &a.addr.sin6.sin6_addr) == 1) {
        a.addr.sin6.sin6_family = AF_INET6;
        a.addr.sin6.sin6_port = htons(port);
        a.size = sizeof(a.addr.sin6);
        return a;
    }
    return std::nullopt;
}

Endpoint from_coap_address(const coap_address_t* a) {
    Endpoint e;
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (a->addr.sa.sa_family == AF_INET) {
        inet_ntop(AF_INET, &a->addr.sin.sin_addr, buf.data(), static_cast<socklen_t>(buf.size()));
        e.port = ntohs(a->addr.sin.sin_port);
    } else if (a->addr.sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &a->addr.sin6.sin6_addr, buf.data(), static_cast<socklen_t>(buf.size()));
        e.port = ntohs(a->addr.sin6.sin6_port);
    }
    e.host = buf.data();
    return e;
}

coap_fixed_point_t to_fixed_point(double value) {
    const auto thousandths = static_cast<long long>(value * 1000.0 + 0.5);
    return coap_fixed_point_t{static_cast<std::uint16_t>(thousandths / 1000),
                              static_cast<std::uint16_t>(thousandths % 1000)};
}

// ---- hand-written encoder (serialize_*): independent of libcoap so that tests can cross-check the two ----

void append_option(std::vector<std::uint8_t>& out, std::uint16_t& last, std::uint16_t number,
                   const std::vector<std::uint8_t>& value) {
    if (value.size() > 65535U + 269U) {
        throw std::invalid_argument("CoAP option value too long");
    }
    auto nibble = [](std::size_t v, std::vector<std::uint8_t>& ext) -> std::uint8_t {
        if (v < 13) {
            return static_cast<std::uint8_t>(v);
        }
        if (v < 269) {
            ext.push_back(static_cast<std::uint8_t>(v - 13));
            return 13;
        }
        ext.push_back(static_cast<std::uint8_t>((v - 269) >> 8U));
        ext.push_back(static_cast<std::uint8_t>((v - 269) & 0xFFU));
        return 14;
    };
    std::vector<std::uint8_t> ext_delta;
    std::vector<std::uint8_t> ext_len;
    const std::uint8_t d = nibble(static_cast<std::size_t>(number - last), ext_delta);
    const std::uint8_t l = nibble(value.size(), ext_len);
    out.push_back(static_cast<std::uint8_t>((d << 4U) | l));
    out.insert(out.end(), ext_delta.begin(), ext_delta.end());
    out.insert(out.end(), ext_len.begin(), ext_len.end());
    out.insert(out.end(), value.begin(), value.end());
    last = number;
}

std::vector<std::uint8_t> bytes_of(const std::string& s) {
    return {s.begin(), s.end()};
}

std::vector<std::uint8_t> uint_value(std::uint16_t v) {
    // RFC 7252 3.2: uint in as few bytes as possible, 0 as the empty string.
    if (v == 0) {
        return {};
    }
    if (v < 256) {
        return {static_cast<std::uint8_t>(v)};
    }
    return {static_cast<std::uint8_t>(v >> 8U), static_cast<std::uint8_t>(v & 0xFFU)};
}

std::vector<std::uint8_t> serialize(const CoapHeader& h, Code code,
                                    std::vector<std::pair<std::uint16_t, std::vector<std::uint8_t>>> options,
                                    const std::vector<std::uint8_t>& payload) {
    if (h.token.size() > 8) {
        throw std::invalid_argument("CoAP token longer than 8 bytes");
    }
    std::vector<std::uint8_t> out;
    out.push_back(static_cast<std::uint8_t>(0x40U | (static_cast<unsigned>(h.type) << 4U) | h.token.size()));
    out.push_back(code);
    out.push_back(static_cast<std::uint8_t>(h.message_id >> 8U));
    out.push_back(static_cast<std::uint8_t>(h.message_id & 0xFFU));
    out.insert(out.end(), h.token.begin(), h.token.end());
    std::stable_sort(options.begin(), options.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::uint16_t last = 0;
    for (const auto& [number, value] : options) {
        append_option(out, last, number, value);
    }
    if (!payload.empty()) {
        out.push_back(0xFF);
        out.insert(out.end(), payload.begin(), payload.end());
    }
    return out;
}

/// The value of block option `number` in `pdu`, if present and well-formed (RFC 7959 2.2).
std::optional<BlockValue> block_option(const coap_pdu_t* pdu, std::uint16_t number) {
    coap_opt_iterator_t it;
    const coap_opt_t* opt = coap_check_option(pdu, number, &it);
    if (opt == nullptr) {
        return std::nullopt;
    }
    return decode_block_value({coap_opt_value(opt), coap_opt_length(opt)});
}

std::optional<std::size_t> size_option(const coap_pdu_t* pdu, std::uint16_t number) {
    coap_opt_iterator_t it;
    const coap_opt_t* opt = coap_check_option(pdu, number, &it);
    if (opt == nullptr || coap_opt_length(opt) > 4) {
        return std::nullopt;
    }
    return coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
}

void add_block_option(coap_pdu_t* pdu, std::uint16_t number, const BlockValue& block) {
    const auto value = encode_block_value(block);
    coap_add_option(pdu, number, value.size(), value.data());
}

/// SZX of a block size of 16..1024 bytes (RFC 7959 2.2), nullopt for any other size.
std::optional<std::uint8_t> szx_of(std::size_t block_size) {
    for (std::uint8_t szx = 0; szx <= 6; ++szx) {
        if ((std::size_t{16} << szx) == block_size) {
            return szx;
        }
    }
    return std::nullopt;
}

/// Identifies a Block1 transfer: peer, method, path and query (RFC 7959 2.5 "same endpoint, same request URI").
std::string block1_key(const Endpoint& from, const Request& r) {
    std::string key = to_string(from) + ' ' + code_to_string(r.method) + ' ' + path_to_string(r.uri_path);
    for (const auto& q : r.uri_query) {
        key += '?';
        key += q;
    }
    return key;
}

void release_heap_bytes(coap_session_t*, void* app_ptr) {
    delete static_cast<std::vector<std::uint8_t>*>(app_ptr);
}

}  // namespace

// ------------------------------------------------------------------------------------------------------------

struct CoapTransport::Impl {
    struct Pending {
        ResponseHandler on_done;
        coap_session_t* session{nullptr};
        coap_mid_t mid{COAP_INVALID_MID};
        std::chrono::steady_clock::time_point deadline{};
        std::vector<std::uint8_t> block2_body{};  // Block2 response blocks received so far
    };
    struct Outgoing {
        Endpoint to;
        Request request;
        ResponseHandler on_done;
    };
    /// A Confirmable notification libcoap retransmits (RFC 7641 4.5).
    struct PendingNotification {
        NotifyHandler on_done;
        coap_session_t* session{nullptr};
        coap_mid_t mid{COAP_INVALID_MID};
        std::chrono::steady_clock::time_point deadline{};
    };
    struct OutgoingNotification {
        Endpoint to;
        Notification notification;
        NotifyHandler on_done;
    };

    CoapTransportOptions options;
    coap_context_t* ctx{nullptr};
    coap_address_t local{};
    std::uint16_t port{0};
    std::uint16_t dtls_port{0};
    RequestHandler handler;
    std::map<std::string, coap_session_t*> sessions;  // client sessions by canonical to_string(Endpoint)
    std::map<std::string, PskCredentials> psk;        // set_psk, by canonical to_string(Endpoint)
    // DTLS sessions peers opened to our DTLS endpoint, by canonical to_string(Endpoint): libcoap owns them; they
    // are added on COAP_EVENT_DTLS_CONNECTED and dropped on COAP_EVENT_DTLS_CLOSED/ERROR and SERVER_SESSION_DEL.
    std::map<std::string, coap_session_t*> server_sessions;
    std::vector<coap_session_t*> failed_handshakes;        // client sessions whose DTLS failed in this poll
    coap_bin_const_t psk_reply{};                          // the key the identity callback hands to libcoap
    std::map<std::vector<std::uint8_t>, Pending> pending;  // by token
    std::vector<std::function<void()>> completions;        // handlers to run at the end of poll
    std::vector<Outgoing> outgoing;                        // sends issued while libcoap dispatches
    std::vector<coap_session_t*> sessions_to_release;
    std::vector<coap_session_t*> abandoned_on;  // sessions holding a request whose deadline passed
    bool in_io{false};
    std::uint64_t next_token{0};
    std::optional<std::uint8_t> block_szx;  // options.block_size below 1024: our choice of block size
    Block1Reassembler block1;
    std::size_t ignored_responses{0};
    std::vector<PendingNotification> pending_notifications;
    std::vector<OutgoingNotification> outgoing_notifications;  // notify() issued while libcoap dispatches
    NotificationHandler notification_handler;

    explicit Impl(CoapTransportOptions opts)
        : options(std::move(opts)),
          block1(Block1Reassembler::Limits{options.max_request_body, 8, options.exchange_timeout}) {
        ensure_coap_started();
        apply_log_level(options.log_level);
        // libcoap 4.3.1 silently ignores an ACK_TIMEOUT below 1 s (it requires integer_part > 0), a
        // MAX_RETRANSMIT of 0 and an ACK_RANDOM_FACTOR below 1: refuse them rather than run with defaults.
        if (options.ack_timeout < std::chrono::seconds{1} || options.ack_timeout > std::chrono::seconds{65535}) {
            throw std::invalid_argument("CoapTransport: ack_timeout must be within [1 s, 65535 s] (libcoap 4.3)");
        }
        if (options.max_retransmit < 1 || options.max_retransmit > 65535) {
            throw std::invalid_argument("CoapTransport: max_retransmit must be within [1, 65535] (libcoap 4.3)");
        }
        if (!(options.ack_random_factor >= 1.0 && options.ack_random_factor < 65536.0)) {
            throw std::invalid_argument("CoapTransport: ack_random_factor must be at least 1.0");
        }
        // The exchange deadline must not fire while libcoap still retransmits: the request would stay in
        // libcoap's queue and, with NSTART 1, hold back every later request to that peer.
        const double give_up_s =
            static_cast<double>(options.ack_timeout.count()) / 1000.0 * options.ack_random_factor *
            static_cast<double>((std::uint64_t{1} << (std::min(options.max_retransmit, 62U) + 1)) - 1);
        if (static_cast<double>(options.exchange_timeout.count()) / 1000.0 < give_up_s) {
            throw std::invalid_argument("CoapTransport: exchange_timeout must cover the retransmissions "
                                        "(ack_timeout * ack_random_factor * (2^(max_retransmit+1) - 1))");
        }
        const auto szx = szx_of(options.block_size);
        if (!szx) {
            throw std::invalid_argument("CoapTransport: block_size must be 16, 32, 64, 128, 256, 512 or 1024");
        }
        if (*szx < 6) {
            block_szx = szx;
        }
        auto addr = to_coap_address(options.bind_host, options.bind_port);
        if (!addr) {
            throw std::runtime_error("CoapTransport: bind_host '" + options.bind_host + "' is not a numeric address");
        }
        if (options.bind_port == 0) {
            coap_address_set_port(&*addr, exclusive_free_port(*addr));
        }
        ctx = coap_new_context(nullptr);
        if (ctx == nullptr) {
            throw std::runtime_error("CoapTransport: coap_new_context failed");
        }
        coap_set_app_data(ctx, this);
        // libcoap sends Block1 requests, asks for further Block2 blocks and serves Block2 responses; without
        // COAP_BLOCK_SINGLE_BODY it hands every block to us, and we put the bodies together (see the header:
        // libcoap 4.3.1's single-body Block1 reassembly needs Size1 and can crash without it).
        coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP);
        coap_register_response_handler(ctx, &Impl::on_response);
        coap_register_nack_handler(ctx, &Impl::on_nack);
        coap_register_event_handler(ctx, &Impl::on_event);
        coap_endpoint_t* ep = coap_new_endpoint(ctx, &*addr, COAP_PROTO_UDP);
        if (ep == nullptr) {
            coap_free_context(ctx);
            throw std::runtime_error("CoapTransport: cannot bind UDP " +
                                     to_string(Endpoint{options.bind_host, options.bind_port}));
        }
        try {
            port = bound_port(ep);
        } catch (...) {
            coap_free_context(ctx);
            throw;
        }
        local = *addr;
        coap_address_set_port(&local, port);
        if (!options.dtls_psk_table.empty()) {
            try {
                open_dtls_endpoint();
            } catch (...) {
                coap_free_context(ctx);
                throw;
            }
        }

        // Every path goes to the one "unknown resource", which hands the request to RequestHandler.
        coap_resource_t* any = coap_resource_unknown_init2(&Impl::on_request, 0);
        for (auto method : {COAP_REQUEST_GET, COAP_REQUEST_POST, COAP_REQUEST_DELETE, COAP_REQUEST_FETCH,
                            COAP_REQUEST_PATCH, COAP_REQUEST_IPATCH}) {
            coap_register_request_handler(any, method, &Impl::on_request);
        }
        coap_add_resource(ctx, any);
    }

    ~Impl() {
        pending.clear();
        completions.clear();
        coap_set_app_data(ctx, nullptr);  // callbacks during teardown find no Impl and do nothing
        coap_free_context(ctx);
    }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    /// The server side of DTLS-PSK (LwM2M Security Mode 0): the identity callback looks the client's identity
    /// up in dtls_psk_table; an unknown identity gets no key and the handshake fails.
    void open_dtls_endpoint() {
        if (coap_dtls_is_supported() == 0) {
            throw std::runtime_error("CoapTransport: this libcoap has no DTLS (link libcoap-3-gnutls)");
        }
        coap_dtls_spsk_t setup{};
        setup.version = COAP_DTLS_SPSK_SETUP_VERSION;
        setup.validate_id_call_back = &Impl::on_psk_identity;
        setup.id_call_back_arg = this;
        if (coap_context_set_psk2(ctx, &setup) == 0) {
            throw std::runtime_error("CoapTransport: coap_context_set_psk2 failed");
        }
        auto addr = to_coap_address(options.bind_host, options.dtls_bind_port);
        if (options.dtls_bind_port == 0) {
            coap_address_set_port(&*addr, exclusive_free_port(*addr));
        }
        coap_endpoint_t* ep = coap_new_endpoint(ctx, &*addr, COAP_PROTO_DTLS);
        if (ep == nullptr) {
            throw std::runtime_error("CoapTransport: cannot bind DTLS " +
                                     to_string(Endpoint{options.bind_host, options.dtls_bind_port}));
        }
        dtls_port = bound_port(ep);
    }

    static const coap_bin_const_t* on_psk_identity(coap_bin_const_t* identity, coap_session_t*, void* arg) {
        auto* self = static_cast<Impl*>(arg);
        const auto& table = self->options.dtls_psk_table;
        const auto it = std::find_if(table.begin(), table.end(), [&](const PskCredentials& c) {
            return std::equal(c.identity.begin(), c.identity.end(), identity->s, identity->s + identity->length);
        });
        if (it == table.end()) {
            return nullptr;  // unknown identity: no key, the handshake fails
        }
        self->psk_reply = coap_bin_const_t{it->key.size(), it->key.data()};
        return &self->psk_reply;  // libcoap copies it
    }

    /// The key of `e` in `sessions`, `psk` and `server_sessions`: canonical address text plus the scheme.
    static std::string session_key(const coap_address_t& a, bool secure) {
        Endpoint e = from_coap_address(&a);
        e.secure = secure;
        return to_string(e);
    }

    static int on_event(coap_session_t* session, const coap_event_t event) {
        Impl* self = session == nullptr ? nullptr : of(session);
        if (self == nullptr || coap_session_get_proto(session) != COAP_PROTO_DTLS) {
            return 0;
        }
        const std::string key = session_key(*coap_session_get_addr_remote(session), true);
        const bool is_server = coap_session_get_type(session) == COAP_SESSION_TYPE_SERVER;
        switch (event) {
        case COAP_EVENT_DTLS_CONNECTED:
            if (is_server) {
                self->server_sessions[key] = session;
            }
            break;
        case COAP_EVENT_DTLS_CLOSED:
        case COAP_EVENT_DTLS_ERROR:
        case COAP_EVENT_SERVER_SESSION_DEL:
            if (is_server) {
                if (auto it = self->server_sessions.find(key);
                    it != self->server_sessions.end() && it->second == session) {
                    self->server_sessions.erase(it);
                }
            } else if (auto it = self->sessions.find(key); it != self->sessions.end() && it->second == session) {
                // A failed or closed DTLS client session is never reused: the next send shakes hands anew.
                self->failed_handshakes.push_back(session);
                self->sessions.erase(it);
            }
            break;
        default:
            break;
        }
        return 0;
    }

    /// A port no socket on `addr` holds. libcoap binds with SO_REUSEADDR, and for a port-0 bind Linux's UDP
    /// port allocator skips only ports whose holders lack SO_REUSEADDR, so two libcoap endpoints (say a test
    /// server and the client) could be handed the same port, and the client would receive its own Register.
    /// A socket without SO_REUSEADDR gets a port nobody holds; it is closed just before libcoap binds it.
    static std::uint16_t exclusive_free_port(const coap_address_t& addr) {
        const int fd = ::socket(addr.addr.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw std::runtime_error(std::string("CoapTransport: socket failed: ") + std::strerror(errno));
        }
        sockaddr_storage bound{};
        socklen_t len = sizeof(bound);
        const bool ok = ::bind(fd, &addr.addr.sa, addr.size) == 0 &&
                        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0;
        const int error = errno;
        ::close(fd);
        if (!ok) {
            throw std::runtime_error(std::string("CoapTransport: cannot bind UDP: ") + std::strerror(error));
        }
        return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                                           : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    }

    static std::uint16_t bound_port(const coap_endpoint_t* ep) {
        // libcoap 4.3.1 has no accessor for an endpoint's address, but coap_endpoint_str prints the address
        // the socket is bound to (read back with getsockname), e.g. "127.0.0.1:40123 UDP" or "[::]:40123 UDP".
        const std::string s = coap_endpoint_str(ep);
        const auto space = s.find(' ');
        const auto colon = s.rfind(':', space);
        if (colon == std::string::npos) {
            throw std::runtime_error("CoapTransport: cannot read the bound port from '" + s + "'");
        }
        const unsigned long value = std::strtoul(s.c_str() + colon + 1, nullptr, 10);
        if (value == 0 || value > 65535) {
            throw std::runtime_error("CoapTransport: cannot read the bound port from '" + s + "'");
        }
        return static_cast<std::uint16_t>(value);
    }

    static Impl* of(coap_session_t* session) {
        return static_cast<Impl*>(coap_get_app_data(coap_session_get_context(session)));
    }

    /// The session to send to `to` over, or nullptr with the reason in `failure`.
    coap_session_t* session_for(const Endpoint& to, SendFailure& failure) {
        failure = SendFailure::Unreachable;
        auto remote = to_coap_address(to.host, to.port);
        if (!remote || remote->addr.sa.sa_family != local.addr.sa.sa_family) {
            return nullptr;
        }
        const std::string key = session_key(*remote, to.secure);  // canonical text ("::1", not "0::1")
        if (auto it = sessions.find(key); it != sessions.end()) {
            return it->second;
        }
        coap_session_t* s = nullptr;
        if (to.secure) {
            // A peer that shook hands with our DTLS endpoint is answered in, and sent to over, that session.
            if (auto it = server_sessions.find(key); it != server_sessions.end()) {
                return it->second;
            }
            const auto creds = psk.find(key);
            if (creds == psk.end() || creds->second.identity.empty() || creds->second.key.empty() ||
                coap_dtls_is_supported() == 0) {
                failure = SendFailure::Handshake;  // no credentials for this peer: no session
                return nullptr;
            }
            // LwM2M Security Mode 0 (TS 1.0 E.1 /0/x/2; Transport binding 7.1: coaps is DTLS with the PSK
            // identity /0/x/3 and key /0/x/5). libcoap copies both; the handshake starts with the first send.
            coap_dtls_cpsk_t setup{};
            setup.version = COAP_DTLS_CPSK_SETUP_VERSION;
            setup.psk_info.identity = coap_bin_const_t{creds->second.identity.size(), creds->second.identity.data()};
            setup.psk_info.key = coap_bin_const_t{creds->second.key.size(), creds->second.key.data()};
            // Each DTLS session gets a local port of its own (not our UDP port): a new session is then a new
            // association for the server too, which would otherwise take the ClientHello for a retransmission in
            // the old, failed one (the same address and port) and fail the handshake again. The server's
            // requests come in the session, so the client needs no fixed port for them.
            coap_address_t from = local;
            coap_address_set_port(&from, 0);
            coap_address_set_port(&from, exclusive_free_port(from));
            s = coap_new_client_session_psk2(ctx, &from, &*remote, COAP_PROTO_DTLS, &setup);
            failure = SendFailure::Handshake;
        } else {
            // Bound to our port (SO_REUSEADDR in libcoap) and connected to the peer: requests the peer sends
            // back to our address land on this session and reach on_request like any other.
            s = coap_new_client_session(ctx, &local, &*remote, COAP_PROTO_UDP);
        }
        if (s == nullptr) {
            return nullptr;
        }
        coap_session_set_ack_timeout(s, to_fixed_point(static_cast<double>(options.ack_timeout.count()) / 1000.0));
        coap_session_set_ack_random_factor(s, to_fixed_point(options.ack_random_factor));
        coap_session_set_max_retransmit(s, static_cast<std::uint16_t>(options.max_retransmit));
        sessions.emplace(key, s);
        return s;
    }

    std::vector<std::uint8_t> fresh_token() {
        if (next_token == 0) {
            std::random_device rd;
            next_token = (static_cast<std::uint64_t>(rd()) << 32U) | rd();
        }
        const std::uint64_t v = next_token++;
        std::vector<std::uint8_t> t(8);
        for (std::size_t i = 0; i < 8; ++i) {
            t[i] = static_cast<std::uint8_t>(v >> (8U * (7 - i)));
        }
        return t;
    }

    void fail_later(ResponseHandler on_done, SendFailure f) {
        completions.emplace_back([h = std::move(on_done), f] { h(std::nullopt, f); });
    }

    void do_send(const Endpoint& to, Request request, ResponseHandler on_done) {
        SendFailure why = SendFailure::Unreachable;
        coap_session_t* s = session_for(to, why);
        if (s == nullptr) {
            fail_later(std::move(on_done), why);
            return;
        }
        if (request.observe == 1U && !request.token.empty()) {
            // RFC 7641 3.6 deregistration. libcoap 4.3.1 keeps state for an observation it sent (lg_crcv) and
            // would rewrite the token of a plain GET Observe=1 to its internal one (coap_send: "update token to
            // server's version"), which the observed server never saw; coap_cancel_observe sends the GET with
            // the token the notifications carry.
            coap_binary_t tok{request.token.size(), request.token.data()};
            if (coap_cancel_observe(s, &tok, COAP_MESSAGE_CON) == 1) {
                pending.emplace(request.token, Pending{std::move(on_done), s, COAP_INVALID_MID,
                                                       std::chrono::steady_clock::now() + options.exchange_timeout});
                return;
            }
        }
        coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, static_cast<coap_pdu_code_t>(request.method),
                                        coap_new_message_id(s), coap_session_max_pdu_size(s));
        if (pdu == nullptr) {
            fail_later(std::move(on_done), SendFailure::Unreachable);
            return;
        }
        auto token = request.token.empty() ? fresh_token() : request.token;
        coap_add_token(pdu, token.size(), token.data());
        std::array<std::uint8_t, 4> obs{};
        if (request.observe) {
            const auto n = coap_encode_var_safe(obs.data(), obs.size(), *request.observe & 0xFFFFFFU);
            coap_add_option(pdu, kOptObserve, n, obs.data());
        }
        // Options in ascending number (Observe 6, Uri-Path 11, Content-Format 12, Uri-Query 15, Accept 17).
        for (const auto& seg : request.uri_path) {
            coap_add_option(pdu, kOptUriPath, seg.size(), reinterpret_cast<const std::uint8_t*>(seg.data()));
        }
        std::array<std::uint8_t, 4> buf{};
        if (request.content_format) {
            const auto n = coap_encode_var_safe(buf.data(), buf.size(), *request.content_format);
            coap_add_option(pdu, kOptContentFormat, n, buf.data());
        }
        for (const auto& q : request.uri_query) {
            coap_add_option(pdu, kOptUriQuery, q.size(), reinterpret_cast<const std::uint8_t*>(q.data()));
        }
        if (request.accept) {
            const auto n = coap_encode_var_safe(buf.data(), buf.size(), *request.accept);
            coap_add_option(pdu, kOptAccept, n, buf.data());
        }
        if (block_szx && (request.method == code::kGet || request.method == coap_code(0, 5))) {
            add_block_option(pdu, kOptBlock2, BlockValue{0, false, *block_szx});  // RFC 7959 2.4 early negotiation
        }
        if (block_szx && request.payload.size() > options.block_size) {
            // libcoap's coap_add_data_large_request takes the block size of a Block1 option already present.
            add_block_option(pdu, kOptBlock1, BlockValue{0, true, *block_szx});
        }
        if (!request.payload.empty()) {
            // libcoap sends it with Block1 when it does not fit one datagram and frees the copy when done.
            auto* copy = new std::vector<std::uint8_t>(std::move(request.payload));
            if (coap_add_data_large_request(s, pdu, copy->size(), copy->data(), &release_heap_bytes, copy) == 0) {
                coap_delete_pdu(pdu);
                fail_later(std::move(on_done), SendFailure::Unreachable);
                return;
            }
        }
        const coap_mid_t mid = coap_send(s, pdu);  // takes the PDU in every case
        if (mid == COAP_INVALID_MID) {
            fail_later(std::move(on_done), SendFailure::Unreachable);
            return;
        }
        pending.emplace(std::move(token), Pending{std::move(on_done), s, mid,
                                                  std::chrono::steady_clock::now() + options.exchange_timeout});
    }

    void complete(std::map<std::vector<std::uint8_t>, Pending>::iterator it, std::optional<Response> response,
                  SendFailure failure) {
        completions.emplace_back([h = std::move(it->second.on_done), r = std::move(response), failure]() mutable {
            h(std::move(r), failure);
        });
        pending.erase(it);
    }

    static coap_response_t on_response(coap_session_t* session, const coap_pdu_t*, const coap_pdu_t* received,
                                       const coap_mid_t) {
        Impl* self = of(session);
        if (self == nullptr) {
            return COAP_RESPONSE_OK;
        }
        const coap_bin_const_t tok = coap_pdu_get_token(received);
        auto it = self->pending.find(std::vector<std::uint8_t>(tok.s, tok.s + tok.length));
        if (it == self->pending.end()) {
            Response unsolicited = response_from_pdu(received);
            if (self->notification_handler && unsolicited.observe) {
                // A notification of an observation (RFC 7641 3.2); refusing it answers RST (3.6), also to a NON.
                const Endpoint from = from_coap_address(coap_session_get_addr_remote(session));
                bool keep = false;
                try {
                    keep = self->notification_handler(from, std::vector<std::uint8_t>(tok.s, tok.s + tok.length),
                                                      std::move(unsolicited));
                } catch (const std::exception&) {
                    keep = false;
                }
                return keep ? COAP_RESPONSE_OK : COAP_RESPONSE_FAIL;
            }
            // A late answer to a request whose handler already ran (cancelled or timed out): not a protocol
            // error, and the engine must not see it twice. libcoap still acknowledges a Confirmable one.
            ++self->ignored_responses;
            coap_log(LOG_INFO, "lwm2mc: ignoring %s from %s for a request that is no longer outstanding\n",
                     code_to_string(unsolicited.code).c_str(), coap_session_str(session));
            return COAP_RESPONSE_OK;
        }
        Response response = response_from_pdu(received);
        if (const auto block = block_option(received, kOptBlock2)) {
            // RFC 7959 2.3: the body in Block2 blocks; libcoap asks for the next one itself. Offsets come from
            // NUM and SZX, so a server that changes the block size midway is followed.
            auto& body = it->second.block2_body;
            const std::uint64_t offset = std::uint64_t{block->num} * block->size();
            if (offset == 0) {
                body.clear();
            }
            if (offset == body.size()) {
                body.insert(body.end(), response.payload.begin(), response.payload.end());
            }
            if (block->more) {
                return COAP_RESPONSE_OK;
            }
            response.payload = std::move(body);
        }
        self->complete(it, std::move(response), SendFailure::Timeout);
        return COAP_RESPONSE_OK;
    }

    static void on_nack(coap_session_t* session, const coap_pdu_t* sent, const coap_nack_reason_t reason,
                        const coap_mid_t mid) {
        Impl* self = of(session);
        if (self == nullptr) {
            return;
        }
        if (sent != nullptr && (static_cast<unsigned>(coap_pdu_get_code(sent)) >> 5U) >= 2) {
            // A Confirmable notification: RST (RFC 7641 3.6) or no ACK after the retransmissions (4.5).
            auto n = std::find_if(self->pending_notifications.begin(), self->pending_notifications.end(),
                                  [&](const PendingNotification& p) { return p.session == session && p.mid == mid; });
            if (n != self->pending_notifications.end()) {
                const auto f = reason == COAP_NACK_RST                ? SendFailure::Reset
                               : reason == COAP_NACK_TOO_MANY_RETRIES ? SendFailure::Timeout
                                                                      : SendFailure::Unreachable;
                self->completions.emplace_back([h = std::move(n->on_done), f] { h(f); });
                self->pending_notifications.erase(n);
            }
            return;
        }
        auto it = self->pending.end();
        if (sent != nullptr) {
            const coap_bin_const_t tok = coap_pdu_get_token(sent);
            it = self->pending.find(std::vector<std::uint8_t>(tok.s, tok.s + tok.length));
        }
        if (it == self->pending.end()) {
            it = std::find_if(self->pending.begin(), self->pending.end(),
                              [&](const auto& p) { return p.second.session == session && p.second.mid == mid; });
        }
        if (it == self->pending.end()) {
            return;
        }
        if (reason == COAP_NACK_ICMP_ISSUE) {
            // ICMP port unreachable on the connected socket. libcoap keeps the message in its retransmission
            // queue (coap_session_disconnected with COAP_NACK_ICMP_ISSUE), and RFC 7252 4.2 lets the
            // retransmissions go on: a server that comes up late answers one of them. Reporting a failure here
            // made the engine give up while libcoap went on retransmitting, and the late server's 2.01 then
            // found no request (issue 13). The request ends with TOO_MANY_RETRIES or its deadline instead.
            coap_log(LOG_INFO, "lwm2mc: ICMP unreachable from %s, retransmitting\n", coap_session_str(session));
            return;
        }
        SendFailure f = SendFailure::Unreachable;
        switch (reason) {
        case COAP_NACK_TOO_MANY_RETRIES:
            f = SendFailure::Timeout;
            break;
        case COAP_NACK_RST:
            f = SendFailure::Reset;
            break;
        case COAP_NACK_TLS_FAILED:
            f = SendFailure::Handshake;
            break;
        case COAP_NACK_NOT_DELIVERABLE:
        case COAP_NACK_ICMP_ISSUE:
            f = SendFailure::Unreachable;
            break;
        }
        self->complete(it, std::nullopt, f);
    }

    static void on_request(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                           const coap_string_t* query, coap_pdu_t* response) {
        Impl* self = of(session);
        if (self == nullptr || !self->handler) {
            coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(code::kServiceUnavailable));
            return;
        }
        Endpoint from = from_coap_address(coap_session_get_addr_remote(session));
        from.secure = coap_session_get_proto(session) == COAP_PROTO_DTLS;
        if (from.secure && coap_session_get_type(session) == COAP_SESSION_TYPE_SERVER) {
            self->server_sessions[to_string(from)] = session;  // also if DTLS_CONNECTED was not seen
        }
        Request incoming = request_from_pdu(request);
        std::optional<BlockValue> block1_echo;
        if (const auto block1 = block_option(request, kOptBlock1)) {
            // RFC 7959 2.3: a request body in Block1 blocks; libcoap passes each block through (no single-body
            // mode), and the handler sees the body only once the last block is in.
            auto r =
                self->block1.add(block1_key(from, incoming), *block1, incoming.payload, size_option(request, kOptSize1),
                                 incoming.content_format, std::chrono::steady_clock::now());
            switch (r.verdict) {
            case Block1Reassembler::Verdict::Continue: {
                coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(kContinue));
                // libcoap has already put the echo in when it tracks the transfer itself (a non-final block of
                // a transfer that began with block 0): one Block1 option only.
                coap_opt_iterator_t oi;
                if (coap_check_option(response, kOptBlock1, &oi) == nullptr) {
                    add_block_option(response, kOptBlock1, r.echo);
                }
                return;
            }
            case Block1Reassembler::Verdict::Incomplete:
                coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(kRequestEntityIncomplete));
                return;
            case Block1Reassembler::Verdict::TooLarge: {
                coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(code::kRequestEntityTooLarge));
                std::array<std::uint8_t, 4> buf{};
                const auto n =
                    coap_encode_var_safe(buf.data(), buf.size(), static_cast<unsigned>(self->block1.limits().max_body));
                coap_add_option(response, kOptSize1, n, buf.data());  // RFC 7959 2.9.3: what we would take
                return;
            }
            case Block1Reassembler::Verdict::BadRequest:
                coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(code::kBadRequest));
                return;
            case Block1Reassembler::Verdict::Complete:
                incoming.payload = std::move(r.body);
                block1_echo = r.echo;
                break;
            }
        }
        Response answer{code::kInternalServerError, {}, std::nullopt, {}};
        try {
            answer = self->handler(from, incoming);
        } catch (const std::exception&) {
            answer = Response{code::kInternalServerError, {}, std::nullopt, {}};
        }
        if (answer.code == code::kEmpty) {
            return;  // response code 0: libcoap sends an empty ACK and nothing else
        }
        coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(answer.code));
        if (answer.observe) {
            // RFC 7641 4.1. The unknown-resource handler is not observable in libcoap, so libcoap itself neither
            // adds nor strips the option: the engine owns observations.
            std::array<std::uint8_t, 4> obs{};
            const auto n = coap_encode_var_safe(obs.data(), obs.size(), *answer.observe & 0xFFFFFFU);
            coap_add_option(response, kOptObserve, n, obs.data());
        }
        for (const auto& seg : answer.location_path) {
            coap_add_option(response, kOptLocationPath, seg.size(), reinterpret_cast<const std::uint8_t*>(seg.data()));
        }
        if (block1_echo && is_success(answer.code)) {
            add_block_option(response, kOptBlock1, *block1_echo);  // RFC 7959 2.3: the final response echoes it
        }
        const std::size_t room = coap_session_max_pdu_size(session);
        const auto block2 = block_option(request, kOptBlock2);
        const bool blockwise = !answer.payload.empty() && (block2 || answer.payload.size() + 64 >= room);
        if (!blockwise) {
            std::array<std::uint8_t, 4> buf{};
            if (answer.content_format) {
                const auto n = coap_encode_var_safe(buf.data(), buf.size(), *answer.content_format);
                coap_add_option(response, kOptContentFormat, n, buf.data());
            }
            if (answer.max_age) {
                const auto n = coap_encode_var_safe(buf.data(), buf.size(), *answer.max_age);
                coap_add_option(response, kOptMaxAge, n, buf.data());
            }
            if (!answer.payload.empty()) {
                coap_add_data(response, answer.payload.size(), answer.payload.data());
            }
            return;
        }
        // Too big for one datagram, or the peer asked for Block2 (RFC 7959 2.4, any SZX 0..6): libcoap answers
        // with the requested block and serves the further blocks itself from this copy. A request for a later
        // block whose copy libcoap no longer holds reaches this handler again; the body is regenerated and
        // libcoap cuts out the block asked for.
        auto* copy = new std::vector<std::uint8_t>(std::move(answer.payload));
        const std::uint16_t format = answer.content_format.value_or(content_format::kOctetStream);
        if (coap_add_data_large_response(resource, session, request, response, query, format,
                                         answer.max_age ? static_cast<int>(*answer.max_age) : -1, 0, copy->size(),
                                         copy->data(), &release_heap_bytes, copy) == 0) {
            // libcoap set the code (4.00 for a block beyond the body, 5.00 otherwise) and released the copy.
            return;
        }
    }

    void flush_outgoing() {
        auto batch = std::move(outgoing);
        outgoing.clear();
        for (auto& o : batch) {
            do_send(o.to, std::move(o.request), std::move(o.on_done));
        }
        auto notes = std::move(outgoing_notifications);
        outgoing_notifications.clear();
        for (auto& o : notes) {
            do_notify(o.to, std::move(o.notification), std::move(o.on_done));
        }
    }

    void do_notify(const Endpoint& to, Notification n, NotifyHandler on_done) {
        const auto fail = [&](SendFailure f) { completions.emplace_back([h = std::move(on_done), f] { h(f); }); };
        SendFailure failure = SendFailure::Unreachable;
        coap_session_t* s = session_for(to, failure);
        if (s == nullptr) {
            fail(failure);
            return;
        }
        // RFC 7641 4.2: a notification is a response with the observer's token and an Observe option, sent on the
        // session to that peer (the one its requests arrived on). No block-wise transfer: it must fit one datagram.
        coap_pdu_t* pdu = coap_pdu_init(n.confirmable ? COAP_MESSAGE_CON : COAP_MESSAGE_NON,
                                        static_cast<coap_pdu_code_t>(n.response.code), coap_new_message_id(s),
                                        coap_session_max_pdu_size(s));
        if (pdu == nullptr) {
            fail(SendFailure::Unreachable);
            return;
        }
        coap_add_token(pdu, n.token.size(), n.token.data());
        std::array<std::uint8_t, 4> buf{};
        if (n.response.observe) {
            const auto len = coap_encode_var_safe(buf.data(), buf.size(), *n.response.observe & 0xFFFFFFU);
            coap_add_option(pdu, kOptObserve, len, buf.data());
        }
        if (n.response.content_format) {
            const auto len = coap_encode_var_safe(buf.data(), buf.size(), *n.response.content_format);
            coap_add_option(pdu, kOptContentFormat, len, buf.data());
        }
        if (!n.response.payload.empty() &&
            coap_add_data(pdu, n.response.payload.size(), n.response.payload.data()) == 0) {
            coap_delete_pdu(pdu);
            fail(SendFailure::Unreachable);
            return;
        }
        const coap_mid_t mid = coap_send(s, pdu);
        if (mid == COAP_INVALID_MID) {
            fail(SendFailure::Unreachable);
            return;
        }
        if (!n.confirmable) {
            completions.emplace_back([h = std::move(on_done)] { h(std::nullopt); });
            return;
        }
        pending_notifications.push_back(PendingNotification{
            std::move(on_done), s, mid, std::chrono::steady_clock::now() + options.exchange_timeout});
    }

    /// libcoap 4.3.1 takes the ACK of a Confirmable response silently (net.c coap_dispatch: an empty ACK only
    /// stops the retransmission), and reports only RST and give-up through the NACK handler. So a CON notification
    /// counts as acknowledged once libcoap holds no unacknowledged message at all (coap_can_exit) without a NACK
    /// for it, or, at the latest, once the retransmission span (within exchange_timeout) passed without a NACK.
    void settle_notifications(std::chrono::steady_clock::time_point now) {
        if (pending_notifications.empty()) {
            return;
        }
        const bool all_acked = coap_can_exit(ctx) != 0;
        for (auto it = pending_notifications.begin(); it != pending_notifications.end();) {
            if (all_acked || it->deadline <= now) {
                completions.emplace_back([h = std::move(it->on_done)] { h(std::nullopt); });
                it = pending_notifications.erase(it);
            } else {
                ++it;
            }
        }
    }

    void expire(std::chrono::steady_clock::time_point now) {
        for (auto it = pending.begin(); it != pending.end();) {
            auto next = std::next(it);
            if (it->second.deadline <= now) {
                coap_session_t* s = it->second.session;
                const bool handshaking = coap_session_get_proto(s) == COAP_PROTO_DTLS &&
                                         coap_session_get_state(s) != COAP_SESSION_STATE_ESTABLISHED;
                complete(it, std::nullopt, handshaking ? SendFailure::Handshake : SendFailure::Timeout);
                if (handshaking) {
                    give_up_session(s);  // its queued request must never go out once a late handshake succeeds
                } else {
                    abandoned_on.push_back(s);
                }
            }
            it = next;
        }
        // Give-up means give-up: a request whose deadline passed may still sit in libcoap's queue (behind
        // another request to the same peer, NSTART 1) and be transmitted later. libcoap 4.3.1 has no public call
        // to drop one message, so the client session (and with it its queue) is released as soon as no other
        // outstanding request uses it; a later send opens a new one. Until then the others must not fail.
        std::vector<coap_session_t*> still_in_use;
        for (coap_session_t* s : abandoned_on) {
            if (std::any_of(pending.begin(), pending.end(), [s](const auto& p) { return p.second.session == s; })) {
                if (std::find(still_in_use.begin(), still_in_use.end(), s) == still_in_use.end()) {
                    still_in_use.push_back(s);
                }
                continue;
            }
            auto entry = std::find_if(sessions.begin(), sessions.end(), [s](const auto& e) { return e.second == s; });
            if (entry != sessions.end()) {
                sessions.erase(entry);
                sessions_to_release.push_back(s);
            }
        }
        abandoned_on = std::move(still_in_use);
        release_sessions();
    }

    /// Drops client session `s` (if it is one of ours) after this poll; the next send to its peer opens a new one.
    void give_up_session(coap_session_t* s) {
        for (auto it = sessions.begin(); it != sessions.end(); ++it) {
            if (it->second == s) {
                sessions_to_release.push_back(s);
                sessions.erase(it);
                return;
            }
        }
    }

    /// Requests still pending on DTLS client sessions that failed: SendFailure::Handshake, then the sessions go.
    void fail_handshakes() {
        for (coap_session_t* s : failed_handshakes) {
            for (auto it = pending.begin(); it != pending.end();) {
                auto next = std::next(it);
                if (it->second.session == s) {
                    complete(it, std::nullopt, SendFailure::Handshake);
                }
                it = next;
            }
            sessions_to_release.push_back(s);
        }
        failed_handshakes.clear();
    }

    void release_sessions() {
        for (coap_session_t* s : sessions_to_release) {
            // Releasing alone is not enough: libcoap's retransmission queue holds a reference, so the session
            // would keep retransmitting and a new session to the same peer would be refused as a duplicate.
            // Disconnecting first drops the session's queued messages (their NACKs find no pending request).
            coap_session_disconnected(s, COAP_NACK_NOT_DELIVERABLE);
            coap_session_release(s);
        }
        sessions_to_release.clear();
    }
};

CoapTransport::CoapTransport(CoapTransportOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

CoapTransport::~CoapTransport() = default;

std::uint16_t CoapTransport::local_port() const {
    return impl_->port;
}

Endpoint CoapTransport::local_endpoint() const {
    return Endpoint{impl_->options.bind_host, impl_->port};
}

std::uint16_t CoapTransport::local_dtls_port() const {
    return impl_->dtls_port;
}

void CoapTransport::set_psk(const Endpoint& to, PskCredentials credentials) {
    const auto remote = to_coap_address(to.host, to.port);
    if (!remote) {
        return;  // a send to it fails anyway (Unreachable)
    }
    const std::string key = Impl::session_key(*remote, true);
    auto& held = impl_->psk[key];
    if (held == credentials) {
        return;
    }
    held = std::move(credentials);
    // TS 1.0 5.2.5 (domain doc 1.2): new security material for a server means a new session to it.
    if (auto it = impl_->sessions.find(key); it != impl_->sessions.end()) {
        impl_->sessions_to_release.push_back(it->second);
        impl_->sessions.erase(it);
        if (!impl_->in_io) {
            impl_->release_sessions();
        }
    }
}

void CoapTransport::set_request_handler(RequestHandler handler) {
    impl_->handler = std::move(handler);
}

void CoapTransport::send(const Endpoint& to, Request request, ResponseHandler on_done) {
    if (impl_->in_io) {
        // Called from a request handler inside libcoap's dispatch: send once dispatch has returned.
        impl_->outgoing.push_back(Impl::Outgoing{to, std::move(request), std::move(on_done)});
        return;
    }
    impl_->do_send(to, std::move(request), std::move(on_done));
}

void CoapTransport::notify(const Endpoint& to, Notification notification, NotifyHandler on_done) {
    if (impl_->in_io) {
        impl_->outgoing_notifications.push_back(
            Impl::OutgoingNotification{to, std::move(notification), std::move(on_done)});
        return;
    }
    impl_->do_notify(to, std::move(notification), std::move(on_done));
}

void CoapTransport::set_notification_handler(NotificationHandler handler) {
    impl_->notification_handler = std::move(handler);
}

void CoapTransport::cancel_all() {
    for (auto& o : impl_->outgoing) {
        impl_->fail_later(std::move(o.on_done), SendFailure::Cancelled);
    }
    impl_->outgoing.clear();
    for (auto& o : impl_->outgoing_notifications) {
        impl_->completions.emplace_back([h = std::move(o.on_done)] { h(SendFailure::Cancelled); });
    }
    impl_->outgoing_notifications.clear();
    for (auto& p : impl_->pending_notifications) {
        impl_->completions.emplace_back([h = std::move(p.on_done)] { h(SendFailure::Cancelled); });
    }
    impl_->pending_notifications.clear();
    for (auto& [token, p] : impl_->pending) {
        impl_->fail_later(std::move(p.on_done), SendFailure::Cancelled);
    }
    impl_->pending.clear();
    // Releasing the client sessions stops their retransmissions; a later send opens new ones. Inside dispatch
    // the session being served may be one of them, so release after coap_io_process returns.
    for (auto& [key, s] : impl_->sessions) {
        impl_->sessions_to_release.push_back(s);
    }
    impl_->sessions.clear();
    impl_->abandoned_on.clear();
    if (!impl_->in_io) {
        impl_->release_sessions();
    }
}

void CoapTransport::poll(std::chrono::milliseconds max_wait) {
    impl_->flush_outgoing();
    // Wake up for the earliest exchange deadline too: libcoap does not know about it.
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [token, p] : impl_->pending) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(p.deadline - now);
        max_wait = std::min(max_wait, std::max(left, std::chrono::milliseconds{1}));
    }
    const std::uint32_t wait = max_wait.count() <= 0 ? COAP_IO_NO_WAIT : static_cast<std::uint32_t>(max_wait.count());
    impl_->in_io = true;
    coap_io_process(impl_->ctx, wait);
    impl_->in_io = false;
    impl_->fail_handshakes();
    impl_->release_sessions();
    impl_->flush_outgoing();
    impl_->expire(std::chrono::steady_clock::now());
    impl_->settle_notifications(std::chrono::steady_clock::now());
    impl_->release_sessions();  // the DTLS sessions expire gave up on
    // Handlers may send or cancel; they see a consistent transport and their own completions run next poll.
    auto batch = std::move(impl_->completions);
    impl_->completions.clear();
    for (auto& c : batch) {
        c();
    }
}

std::size_t CoapTransport::outstanding() const {
    return impl_->pending.size() + impl_->outgoing.size() + impl_->pending_notifications.size() +
           impl_->outgoing_notifications.size();
}

std::size_t CoapTransport::ignored_responses() const {
    return impl_->ignored_responses;
}

// ------------------------------------------------------------------------------------------------------------

std::optional<Request> parse_coap_request(std::span<const std::uint8_t> udp_payload) {
    ensure_coap_started();
    if (udp_payload.size() < 4) {
        return std::nullopt;
    }
    coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_EMPTY_CODE, 0, udp_payload.size());
    if (pdu == nullptr) {
        return std::nullopt;
    }
    std::optional<Request> out;
    if (coap_pdu_parse(COAP_PROTO_UDP, udp_payload.data(), udp_payload.size(), pdu) != 0) {
        const auto code = static_cast<unsigned>(coap_pdu_get_code(pdu));
        const auto type = coap_pdu_get_type(pdu);
        const bool is_request = (code >> 5U) == 0 && code != 0;
        if (is_request && (type == COAP_MESSAGE_CON || type == COAP_MESSAGE_NON)) {
            out = request_from_pdu(pdu);
        }
    }
    coap_delete_pdu(pdu);
    return out;
}

std::vector<std::uint8_t> serialize_coap_response(const CoapHeader& header, const Response& response) {
    std::vector<std::pair<std::uint16_t, std::vector<std::uint8_t>>> options;
    for (const auto& seg : response.location_path) {
        if (seg.size() > 255) {
            throw std::invalid_argument("Location-Path segment longer than 255 bytes");
        }
        options.emplace_back(kOptLocationPath, bytes_of(seg));
    }
    if (response.content_format) {
        options.emplace_back(kOptContentFormat, uint_value(*response.content_format));
    }
    if (response.max_age) {
        std::vector<std::uint8_t> value;  // RFC 7252 3.2: uint in as few bytes as possible
        for (auto v = *response.max_age; v != 0; v >>= 8U) {
            value.insert(value.begin(), static_cast<std::uint8_t>(v & 0xFFU));
        }
        options.emplace_back(kOptMaxAge, std::move(value));
    }
    return serialize(header, response.code, std::move(options), response.payload);
}

std::vector<std::uint8_t> serialize_coap_request(const CoapHeader& header, const Request& request) {
    std::vector<std::pair<std::uint16_t, std::vector<std::uint8_t>>> options;
    for (const auto& seg : request.uri_path) {
        if (seg.size() > 255) {
            throw std::invalid_argument("Uri-Path segment longer than 255 bytes");
        }
        options.emplace_back(kOptUriPath, bytes_of(seg));
    }
    if (request.content_format) {
        options.emplace_back(kOptContentFormat, uint_value(*request.content_format));
    }
    for (const auto& q : request.uri_query) {
        if (q.size() > 255) {
            throw std::invalid_argument("Uri-Query option longer than 255 bytes");
        }
        options.emplace_back(kOptUriQuery, bytes_of(q));
    }
    if (request.accept) {
        options.emplace_back(kOptAccept, uint_value(*request.accept));
    }
    return serialize(header, request.method, std::move(options), request.payload);
}

}  // namespace lwm2mc::client
