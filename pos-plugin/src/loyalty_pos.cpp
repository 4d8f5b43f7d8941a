// The C entry points: check pointers, parse the request, run the session call
// under its lock, hand back JSON. No exception leaves this file.
#include "loyalty_pos.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

#include "session.hpp"

struct loyalty_pos_session {
    std::unique_ptr<loyalty::pos::Session> session;
};

namespace {

using loyalty::pos::Reply;

// errno-like: each thread sees the outcome of its own last call.
thread_local int t_last_status = LOYALTY_POS_OK;
thread_local std::string t_last_message;

int finish(const Reply& reply, char** out_json) {
    if (out_json) *out_json = nullptr;
    t_last_status = reply.status;
    t_last_message = reply.message;
    if (!reply.ok()) return reply.status;
    if (out_json) {
        const auto text =
            !reply.text.empty()
                ? reply.text
                : reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        auto* buffer = static_cast<char*>(std::malloc(text.size() + 1));
        if (!buffer) {
            t_last_status = LOYALTY_POS_E_INTERNAL;
            t_last_message = "out of memory for the result";
            return t_last_status;
        }
        std::memcpy(buffer, text.c_str(), text.size() + 1);
        *out_json = buffer;
    }
    return LOYALTY_POS_OK;
}

Reply null_argument(const char* what) {
    return Reply::failure(LOYALTY_POS_E_NULL_ARGUMENT, std::string(what) + " is NULL");
}

// Runs `body` and turns anything thrown into LOYALTY_POS_E_INTERNAL.
template <class Body>
int guarded(char** out_json, Body&& body) {
    try {
        return finish(body(), out_json);
    } catch (const std::bad_alloc&) {
        return finish(Reply::failure(LOYALTY_POS_E_INTERNAL, "out of memory"), out_json);
    } catch (const std::exception& e) {
        return finish(
            Reply::failure(LOYALTY_POS_E_INTERNAL, std::string("internal error: ") + e.what()),
            out_json);
    } catch (...) {
        return finish(Reply::failure(LOYALTY_POS_E_INTERNAL, "internal error"), out_json);
    }
}

// A session call with one JSON request: parse, lock, run.
template <class Request, class Parse, class Call>
int json_call(loyalty_pos_session* session, const char* request_json, char** out_json,
              const char* what, Parse parse, Call call) {
    return guarded(out_json, [&]() -> Reply {
        if (!session) return null_argument("session");
        if (!request_json) return null_argument(what);
        Request request;
        if (auto bad = parse(request_json, request)) return *bad;
        auto lock = session->session->begin_call();
        return call(*session->session, request);
    });
}

}  // namespace

extern "C" {

const char* loyalty_pos_version(void) {
    return "1.0.0";
}
int loyalty_pos_abi_version(void) {
    return LOYALTY_POS_ABI_VERSION;
}
const char* loyalty_pos_status_name(int status) {
    return loyalty::pos::status_name(status);
}
int loyalty_pos_last_error_code(void) {
    return t_last_status;
}
const char* loyalty_pos_last_error(void) {
    return t_last_message.c_str();
}
void loyalty_pos_free(char* json) {
    std::free(json);
}

int loyalty_pos_open(const char* db_path, const char* program, const char* store,
                     const char* terminal, const char* config_json,
                     loyalty_pos_session** out_session) {
    return guarded(nullptr, [&]() -> Reply {
        if (out_session) *out_session = nullptr;
        if (!out_session) return null_argument("out_session");
        if (!db_path) return null_argument("db_path");
        if (!program) return null_argument("program");
        if (!store) return null_argument("store");
        if (!terminal) return null_argument("terminal");
        loyalty::pos::SessionConfig config;
        if (config_json)
            if (auto bad = loyalty::pos::parse_config(config_json, config)) return *bad;
        std::unique_ptr<loyalty::pos::Session> session;
        auto reply =
            loyalty::pos::Session::open(db_path, program, store, terminal, config, session);
        if (reply.ok()) *out_session = new loyalty_pos_session{std::move(session)};
        return reply;
    });
}

void loyalty_pos_close(loyalty_pos_session* session) {
    try {
        delete session;
    } catch (...) {
        // A destructor failing at close has nobody left to tell.
    }
}

int loyalty_pos_identify(loyalty_pos_session* session, const char* scanned, char** out_json) {
    return guarded(out_json, [&]() -> Reply {
        if (!session) return null_argument("session");
        if (!scanned) return null_argument("scanned");
        auto lock = session->session->begin_call();
        return session->session->identify(scanned);
    });
}

int loyalty_pos_quote(loyalty_pos_session* session, const char* basket_json, char** out_json) {
    return json_call<loyalty::pos::BasketRequest>(
        session, basket_json, out_json, "basket_json", loyalty::pos::parse_basket,
        [](auto& s, const auto& r) { return s.quote(r); });
}

int loyalty_pos_commit(loyalty_pos_session* session, const char* basket_json, char** out_json) {
    return json_call<loyalty::pos::BasketRequest>(
        session, basket_json, out_json, "basket_json", loyalty::pos::parse_basket,
        [](auto& s, const auto& r) { return s.commit(r); });
}

int loyalty_pos_refund(loyalty_pos_session* session, const char* refund_json, char** out_json) {
    return json_call<loyalty::pos::RefundCall>(session, refund_json, out_json, "refund_json",
                                               loyalty::pos::parse_refund,
                                               [](auto& s, const auto& r) { return s.refund(r); });
}

int loyalty_pos_void(loyalty_pos_session* session, const char* receipt, char** out_json) {
    return guarded(out_json, [&]() -> Reply {
        if (!session) return null_argument("session");
        if (!receipt) return null_argument("receipt");
        auto lock = session->session->begin_call();
        return session->session->void_sale(receipt);
    });
}

int loyalty_pos_redeem(loyalty_pos_session* session, const char* redeem_json, char** out_json) {
    return json_call<loyalty::pos::RedeemCall>(session, redeem_json, out_json, "redeem_json",
                                               loyalty::pos::parse_redeem,
                                               [](auto& s, const auto& r) { return s.redeem(r); });
}

int loyalty_pos_adjust_points(loyalty_pos_session* session, const char* adjust_json,
                              char** out_json) {
    return json_call<loyalty::pos::AdjustCall>(
        session, adjust_json, out_json, "adjust_json", loyalty::pos::parse_adjust,
        [](auto& s, const auto& r) { return s.adjust_points(r); });
}

int loyalty_pos_block_card(loyalty_pos_session* session, const char* block_json, char** out_json) {
    return json_call<loyalty::pos::BlockCall>(
        session, block_json, out_json, "block_json", loyalty::pos::parse_block,
        [](auto& s, const auto& r) { return s.block_card(r); });
}

int loyalty_pos_sync_status(loyalty_pos_session* session, char** out_json) {
    return guarded(out_json, [&]() -> Reply {
        if (!session) return null_argument("session");
        auto lock = session->session->begin_call();
        return session->session->sync_status();
    });
}

int loyalty_pos_enroll(loyalty_pos_session* session, const char* enroll_json, char** out_json) {
    return json_call<loyalty::pos::EnrollCall>(session, enroll_json, out_json, "enroll_json",
                                               loyalty::pos::parse_enroll,
                                               [](auto& s, const auto& r) { return s.enroll(r); });
}

int loyalty_pos_top_up(loyalty_pos_session* session, const char* top_up_json, char** out_json) {
    return json_call<loyalty::pos::TopUpCall>(session, top_up_json, out_json, "top_up_json",
                                              loyalty::pos::parse_top_up,
                                              [](auto& s, const auto& r) { return s.top_up(r); });
}

int loyalty_pos_stored_value(loyalty_pos_session* session, const char* balance_json,
                             char** out_json) {
    return json_call<loyalty::pos::BalanceCall>(
        session, balance_json, out_json, "balance_json", loyalty::pos::parse_balance,
        [](auto& s, const auto& r) { return s.stored_value_balance(r); });
}

int loyalty_pos_refund_top_up(loyalty_pos_session* session, const char* refund_json,
                              char** out_json) {
    return json_call<loyalty::pos::TopUpRefundCall>(
        session, refund_json, out_json, "refund_json", loyalty::pos::parse_top_up_refund,
        [](auto& s, const auto& r) { return s.refund_top_up(r); });
}

int loyalty_pos_adjust_stored_value(loyalty_pos_session* session, const char* adjust_json,
                                    char** out_json) {
    return json_call<loyalty::pos::SvAdjustCall>(
        session, adjust_json, out_json, "adjust_json", loyalty::pos::parse_sv_adjust,
        [](auto& s, const auto& r) { return s.adjust_stored_value(r); });
}

}  // extern "C"
