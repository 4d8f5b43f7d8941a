#pragma once
// How a store database is opened: the one storage setting the engine's users choose.

namespace loyalty {

struct DatabaseOptions {
    bool read_only = false;
    bool full_sync = true;  // synchronous=FULL: a committed sale survives a power cut
    bool integrity_check_on_open = true;
    int busy_timeout_ms = 5000;  // a second process (kiosk + till) waits instead of failing
};

}  // namespace loyalty
