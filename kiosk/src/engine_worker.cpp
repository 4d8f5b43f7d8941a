#include "engine_worker.hpp"

#include <cstdio>

namespace loyalty::kiosk {

EngineWorker::EngineWorker(std::filesystem::path db_path, Origin origin, std::function<void()> wake,
                           std::optional<sync::AgentConfig> link, std::string program)
    : db_path_(std::move(db_path)),
      origin_(std::move(origin)),
      wake_(std::move(wake)),
      link_(std::move(link)),
      program_(std::move(program)) {
    // The thread starts holding a task: opening the engine. Until it has run,
    // wait_idle() waits, and later tasks queue behind it.
    running_task_ = true;
    thread_ = std::thread([this] { run(); });
}

EngineWorker::~EngineWorker() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void EngineWorker::post(Task task) {
    {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
    }
    cv_.notify_all();
}

void EngineWorker::post_update(Update update) {
    {
        std::lock_guard lock(mutex_);
        updates_.push_back(std::move(update));
    }
    if (wake_) wake_();
}

std::vector<EngineWorker::Update> EngineWorker::take_updates() {
    std::lock_guard lock(mutex_);
    std::vector<Update> out;
    out.swap(updates_);
    return out;
}

void EngineWorker::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_cv_.wait(lock, [&] { return (tasks_.empty() && !running_task_) || stop_; });
}

void EngineWorker::run() {
    DatabaseOptions options;
    // A kiosk may start on a large store database: the integrity check runs from
    // the manager's health screen instead of delaying the attract screen.
    options.integrity_check_on_open = false;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<sync::TerminalHub> hub;  // after engine: destroyed first, it uses the engine
    // The kiosk never creates the store database (loyalty-admin does): a missing file is a
    // wrong path or a lost disk, and a new empty database would greet members as strangers.
    auto opened = [&]() -> Result<std::unique_ptr<Engine>> {
        if (std::error_code ec; !std::filesystem::exists(db_path_, ec))
            return make_error(Errc::not_found, "no database at " + db_path_.string());
        auto e = Engine::open(db_path_, clock_, EngineOptions{origin_, options});
        if (!e) return e;
        if (auto program = (*e)->programs().get(program_); !program)
            return make_error(Errc::not_found, "program " + program_ + " is not in " +
                                                   db_path_.string() +
                                                   " (loyalty-admin load-program loads it)");
        return e;
    }();
    if (opened) {
        engine = std::move(opened.value());
        engine_ok_ = true;
        // Its MQTT connection comes up on its own threads; until it does, a question to the
        // hub is unanswered (as when the link is down).
        if (link_) {
            hub = std::make_unique<sync::TerminalHub>(
                *link_, sync::TerminalAddress{program_, origin_.store, origin_.terminal}, *engine);
            hub_ = hub.get();
        }
    } else {
        // Out of service until it is fixed and the kiosk restarted; the reason goes to the
        // journal for whoever is called, the screen says it in both languages.
        auto message = opened.error().message;
        std::fprintf(stderr, "loyalty-kiosk: out of service: %s\n", message.c_str());
        post_update([message](UiState& s) { s.out_of_service = message; });
    }
    std::unique_lock lock(mutex_);
    running_task_ = false;
    idle_cv_.notify_all();
    for (;;) {
        cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
        if (stop_) break;
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        running_task_ = true;
        lock.unlock();
        if (engine) {
            try {
                task(*engine);
            } catch (const std::exception& e) {
                // A fault inside one intent must not take the kiosk down: show it, keep serving.
                std::string what = e.what();
                post_update([what](UiState& s) {
                    s.notice = Notice{"error.internal", what, true};
                    s.busy = false;
                });
            }
        } else {
            post_update([](UiState& s) { s.busy = false; });
        }
        lock.lock();
        running_task_ = false;
        if (tasks_.empty()) idle_cv_.notify_all();
    }
    hub_ = nullptr;
    idle_cv_.notify_all();
}

}  // namespace loyalty::kiosk
