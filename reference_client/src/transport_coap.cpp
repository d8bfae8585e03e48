// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/transport_coap.hpp"

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
constexpr std::uint16_t kOptUriPort = 7;
constexpr std::uint16_t kOptLocationPath = 8;
constexpr std::uint16_t kOptUriPath = 11;
constexpr std::uint16_t kOptContentFormat = 12;
constexpr std::uint16_t kOptUriQuery = 15;
constexpr std::uint16_t kOptAccept = 17;
constexpr std::uint16_t kOptBlock2 = 23;  // RFC 7959
constexpr std::uint16_t kOptBlock1 = 27;

/// Critical options this transport acts on or may ignore (RFC 7252 5.4.1: odd numbers are critical).
bool is_understood_critical(std::uint16_t number) {
    switch (number) {
    case kOptUriHost:  // one host per socket: any Uri-Host is ours
    case kOptUriPort:  // likewise
    case kOptUriPath:
    case kOptUriQuery:
    case kOptAccept:
    case kOptBlock2:  // reassembled by libcoap
    case kOptBlock1:
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
    // With COAP_BLOCK_SINGLE_BODY libcoap presents the reassembled body (offset 0, len == total).
    if (coap_get_data_large(pdu, &len, &data, &offset, &total) == 0 || data == nullptr) {
        return {};
    }
    return {data, data + len};
}

/// Converts a request PDU; shared by the socket path and parse_coap_request.
Request request_from_pdu(const coap_pdu_t* pdu) {
    Request r;
    r.method = static_cast<Code>(coap_pdu_get_code(pdu));
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
    };
    struct Outgoing {
        Endpoint to;
        Request request;
        ResponseHandler on_done;
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
    bool in_io{false};
    std::uint64_t next_token{0};

    explicit Impl(CoapTransportOptions opts) : options(std::move(opts)) {
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
        coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
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
        coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, static_cast<coap_pdu_code_t>(request.method),
                                        coap_new_message_id(s), coap_session_max_pdu_size(s));
        if (pdu == nullptr) {
            fail_later(std::move(on_done), SendFailure::Unreachable);
            return;
        }
        auto token = fresh_token();
        coap_add_token(pdu, token.size(), token.data());
        // Options in ascending number (Uri-Path 11, Content-Format 12, Uri-Query 15, Accept 17).
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
            return COAP_RESPONSE_OK;  // late answer to a cancelled or timed-out request: ignore
        }
        self->complete(it, response_from_pdu(received), SendFailure::Timeout);
        return COAP_RESPONSE_OK;
    }

    static void on_nack(coap_session_t* session, const coap_pdu_t* sent, const coap_nack_reason_t reason,
                        const coap_mid_t mid) {
        Impl* self = of(session);
        if (self == nullptr) {
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
        Response answer{code::kServiceUnavailable, {}, std::nullopt, {}};
        if (self != nullptr && self->handler) {
            Endpoint from = from_coap_address(coap_session_get_addr_remote(session));
            from.secure = coap_session_get_proto(session) == COAP_PROTO_DTLS;
            if (from.secure && coap_session_get_type(session) == COAP_SESSION_TYPE_SERVER) {
                self->server_sessions[to_string(from)] = session;  // also if DTLS_CONNECTED was not seen
            }
            try {
                answer = self->handler(from, request_from_pdu(request));
            } catch (const std::exception&) {
                answer = Response{code::kInternalServerError, {}, std::nullopt, {}};
            }
        }
        if (answer.code == code::kEmpty) {
            return;  // response code 0: libcoap sends an empty ACK and nothing else
        }
        coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(answer.code));
        for (const auto& seg : answer.location_path) {
            coap_add_option(response, kOptLocationPath, seg.size(), reinterpret_cast<const std::uint8_t*>(seg.data()));
        }
        const std::size_t room = coap_session_max_pdu_size(session);
        if (answer.payload.empty() || answer.payload.size() + 64 < room) {
            std::array<std::uint8_t, 4> buf{};
            if (answer.content_format) {
                const auto n = coap_encode_var_safe(buf.data(), buf.size(), *answer.content_format);
                coap_add_option(response, kOptContentFormat, n, buf.data());
            }
            if (!answer.payload.empty()) {
                coap_add_data(response, answer.payload.size(), answer.payload.data());
            }
            return;
        }
        // Too big for one datagram: libcoap answers with Block2 and serves the further blocks itself.
        auto* copy = new std::vector<std::uint8_t>(std::move(answer.payload));
        const std::uint16_t format = answer.content_format.value_or(content_format::kOctetStream);
        if (coap_add_data_large_response(resource, session, request, response, query, format, -1, 0, copy->size(),
                                         copy->data(), &release_heap_bytes, copy) == 0) {
            coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(code::kInternalServerError));
        }
    }

    void flush_outgoing() {
        auto batch = std::move(outgoing);
        outgoing.clear();
        for (auto& o : batch) {
            do_send(o.to, std::move(o.request), std::move(o.on_done));
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
                }
            }
            it = next;
        }
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

void CoapTransport::cancel_all() {
    for (auto& o : impl_->outgoing) {
        impl_->fail_later(std::move(o.on_done), SendFailure::Cancelled);
    }
    impl_->outgoing.clear();
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
    impl_->release_sessions();  // the DTLS sessions expire gave up on
    // Handlers may send or cancel; they see a consistent transport and their own completions run next poll.
    auto batch = std::move(impl_->completions);
    impl_->completions.clear();
    for (auto& c : batch) {
        c();
    }
}

std::size_t CoapTransport::outstanding() const {
    return impl_->pending.size() + impl_->outgoing.size();
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
