#include "reply.hpp"

namespace loyalty::pos {

int status_of(Errc code) {
    switch (code) {
        case Errc::invalid_argument:
            return LOYALTY_POS_E_INVALID_ARGUMENT;
        case Errc::not_found:
            return LOYALTY_POS_E_NOT_FOUND;
        case Errc::conflict:
            return LOYALTY_POS_E_CONFLICT;
        case Errc::insufficient_points:
            return LOYALTY_POS_E_INSUFFICIENT_POINTS;
        case Errc::blocked:
            return LOYALTY_POS_E_BLOCKED;
        case Errc::expired:
            return LOYALTY_POS_E_EXPIRED;
        case Errc::already_used:
            return LOYALTY_POS_E_ALREADY_USED;
        case Errc::limit_exceeded:
            return LOYALTY_POS_E_LIMIT_EXCEEDED;
        case Errc::exceeds_sale:
            return LOYALTY_POS_E_REFUND_EXCEEDS_SALE;
        case Errc::unauthorized:
            return LOYALTY_POS_E_UNAUTHORIZED;
        case Errc::corrupt_database:
            return LOYALTY_POS_E_CORRUPT_DATABASE;
        case Errc::storage:
            return LOYALTY_POS_E_STORAGE;
        case Errc::unreachable:
            return LOYALTY_POS_E_HUB_UNREACHABLE;
        case Errc::insufficient_funds:
            return LOYALTY_POS_E_INSUFFICIENT_FUNDS;
        // The POS session touches no device, window or export file: reaching one is a bug.
        case Errc::device:
        case Errc::device_gone:
        case Errc::display:
        case Errc::file_io:
            return LOYALTY_POS_E_INTERNAL;
    }
    return LOYALTY_POS_E_INTERNAL;
}

const char* status_name(int status) {
    switch (status) {
        case LOYALTY_POS_OK:
            return "LOYALTY_POS_OK";
        case LOYALTY_POS_E_NULL_ARGUMENT:
            return "LOYALTY_POS_E_NULL_ARGUMENT";
        case LOYALTY_POS_E_INVALID_JSON:
            return "LOYALTY_POS_E_INVALID_JSON";
        case LOYALTY_POS_E_INVALID_ARGUMENT:
            return "LOYALTY_POS_E_INVALID_ARGUMENT";
        case LOYALTY_POS_E_HUB_UNREACHABLE:
            return "LOYALTY_POS_E_HUB_UNREACHABLE";
        case LOYALTY_POS_E_INSUFFICIENT_FUNDS:
            return "LOYALTY_POS_E_INSUFFICIENT_FUNDS";
        case LOYALTY_POS_E_UNKNOWN_CATEGORY:
            return "LOYALTY_POS_E_UNKNOWN_CATEGORY";
        case LOYALTY_POS_E_NOT_FOUND:
            return "LOYALTY_POS_E_NOT_FOUND";
        case LOYALTY_POS_E_CONFLICT:
            return "LOYALTY_POS_E_CONFLICT";
        case LOYALTY_POS_E_INSUFFICIENT_POINTS:
            return "LOYALTY_POS_E_INSUFFICIENT_POINTS";
        case LOYALTY_POS_E_LIMIT_EXCEEDED:
            return "LOYALTY_POS_E_LIMIT_EXCEEDED";
        case LOYALTY_POS_E_REFUND_EXCEEDS_SALE:
            return "LOYALTY_POS_E_REFUND_EXCEEDS_SALE";
        case LOYALTY_POS_E_BLOCKED:
            return "LOYALTY_POS_E_BLOCKED";
        case LOYALTY_POS_E_EXPIRED:
            return "LOYALTY_POS_E_EXPIRED";
        case LOYALTY_POS_E_ALREADY_USED:
            return "LOYALTY_POS_E_ALREADY_USED";
        case LOYALTY_POS_E_UNAUTHORIZED:
            return "LOYALTY_POS_E_UNAUTHORIZED";
        case LOYALTY_POS_E_BAD_STATE:
            return "LOYALTY_POS_E_BAD_STATE";
        case LOYALTY_POS_E_STORAGE:
            return "LOYALTY_POS_E_STORAGE";
        case LOYALTY_POS_E_CORRUPT_DATABASE:
            return "LOYALTY_POS_E_CORRUPT_DATABASE";
        case LOYALTY_POS_E_INTERNAL:
            return "LOYALTY_POS_E_INTERNAL";
        default:
            return "LOYALTY_POS_E_UNKNOWN";
    }
}

}  // namespace loyalty::pos
