#pragma once
// What every call of the C ABI produces inside the library: a status code of
// loyalty_pos.h, its message, and the result body. Core errors are translated
// here, once, so every entry point reports them the same way.
#include <nlohmann/json.hpp>
#include <string>

#include "loyalty/result.hpp"
#include "loyalty_pos.h"

namespace loyalty::pos {

struct Reply {
    int status = LOYALTY_POS_OK;
    std::string message;
    nlohmann::json body;
    std::string text;  // the result already written as JSON (hot paths); wins over body

    bool ok() const { return status == LOYALTY_POS_OK; }
    static Reply success(nlohmann::json body) {
        return Reply{LOYALTY_POS_OK, {}, std::move(body), {}};
    }
    static Reply success_text(std::string text) {
        return Reply{LOYALTY_POS_OK, {}, nullptr, std::move(text)};
    }
    static Reply failure(int status, std::string message) {
        return Reply{status, std::move(message), nullptr, {}};
    }
};

// The ABI status of a core error.
int status_of(Errc code);
inline Reply failure(const Error& e) {
    return Reply::failure(status_of(e.code), e.message);
}

const char* status_name(int status);

}  // namespace loyalty::pos
