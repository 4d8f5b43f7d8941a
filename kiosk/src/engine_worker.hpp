#pragma once
// The engine lives on its own thread (Engine is one-per-thread), so the UI never
// waits on SQLite. The UI posts tasks; tasks post state updates back and wake
// the UI loop, which applies them between frames.
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk_state.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/sync/link_config.hpp"
#include "loyalty/sync/terminal_hub.hpp"

namespace loyalty::kiosk {

class EngineWorker {
  public:
    using Task = std::function<void(Engine&)>;
    using Update = std::function<void(UiState&)>;

    // The engine writes as `origin`. `wake` is called from the worker after each posted
    // update (SDL_PushEvent). With `link` (the store's link settings) the worker also holds
    // the member hub as terminal `origin.terminal` of `program`.
    EngineWorker(std::filesystem::path db_path, Origin origin, std::function<void()> wake,
                 std::optional<sync::AgentConfig> link = std::nullopt, std::string program = {});
    ~EngineWorker();
    EngineWorker(const EngineWorker&) = delete;
    EngineWorker& operator=(const EngineWorker&) = delete;

    // Runs after the engine opened, before any task (demo setup, program load).
    void post(Task task);
    void post_update(Update update);
    std::vector<Update> take_updates();
    // Blocks until every posted task has run (scripts and tests only).
    void wait_idle();
    bool engine_ok() const { return engine_ok_; }
    // The member hub, or null without a link configuration. Only inside a task: it works
    // with the worker's engine, on the worker's thread.
    sync::TerminalHub* hub() const { return hub_; }

  private:
    void run();

    std::filesystem::path db_path_;
    Origin origin_;
    std::function<void()> wake_;
    std::optional<sync::AgentConfig> link_;
    std::string program_;
    sync::TerminalHub* hub_ = nullptr;  // owned by run(), beside the engine
    SystemClock clock_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::condition_variable idle_cv_;
    std::deque<Task> tasks_;
    std::vector<Update> updates_;
    bool running_task_ = false;
    bool stop_ = false;
    bool engine_ok_ = false;
    std::thread thread_;
};

}  // namespace loyalty::kiosk
