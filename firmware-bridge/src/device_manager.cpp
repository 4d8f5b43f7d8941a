#include "loyalty/devices/device_manager.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "loyalty/devices/ccid.hpp"
#include "loyalty/devices/hid_pos.hpp"
#include "loyalty/devices/magstripe.hpp"
#include "usb_handles.hpp"

namespace loyalty::devices {

std::vector<DeviceProfile> default_device_profiles() {
    std::vector<DeviceProfile> p;
    p.push_back({.name = "ACR122U NFC reader",
                 .vendor_id = 0x072f,
                 .product_id = 0x2200,
                 .role = DeviceRole::ccid_nfc});
    DeviceProfile card{
        .name = "RFID keyboard-wedge card reader", .vendor_id = 0xffff, .product_id = 0x0035};
    card.wedge.kind = ScanKind::card_uid;
    p.push_back(card);
    DeviceProfile swipe{
        .name = "MagTek keyboard-wedge swipe reader", .vendor_id = 0x0801, .product_id = 0x0001};
    swipe.wedge.kind = ScanKind::magstripe;
    p.push_back(swipe);
    DeviceProfile gun{
        .name = "Honeywell barcode scanner (keyboard)", .vendor_id = 0x0c2e, .product_id = 0x0b61};
    gun.wedge.kind = ScanKind::barcode;
    p.push_back(gun);
    DeviceProfile pos{.name = "Honeywell barcode scanner (HID POS)",
                      .vendor_id = 0x0c2e,
                      .product_id = 0x0b67,
                      .role = DeviceRole::hid_pos};
    p.push_back(pos);
    return p;
}

namespace {
constexpr int kCcidInSize = 272;  // >= the ACR122U's dwMaxCCIDMessageLength (271)
constexpr unsigned kCcidTimeoutMs = 1000;
constexpr int kMaxConsecutiveErrors = 5;

std::string source_of(libusb_device* dev, std::uint16_t vid, std::uint16_t pid) {
    std::uint8_t ports[8];
    const int n = libusb_get_port_numbers(dev, ports, 8);
    std::string path = std::to_string(libusb_get_bus_number(dev));
    for (int i = 0; i < n; ++i) path += (i == 0 ? "-" : ".") + std::to_string(ports[i]);
    char buf[64];
    std::snprintf(buf, sizeof buf, "usb:%04x:%04x@", vid, pid);
    return buf + path;
}
}  // namespace

// One claimed device. Wedges read on the event thread via an interrupt transfer;
// CCID readers ask for a UID on their own thread with synchronous bulk transfers.
struct Attached {
    std::string source;
    usb::DeviceRef dev;
    DeviceProfile profile;
    std::optional<usb::Handle> handle;
    usb::InterfaceEndpoints endpoints;
    std::mutex decode_mutex;  // report callbacks may run on any thread handling libusb events
    std::optional<WedgeDecoder> decoder;
    std::optional<HidPosAssembler> hid_pos;
    std::unique_ptr<usb::Transfer> transfer;
    int errors = 0;
    std::atomic<bool> failed{false};  // set by either thread; the event thread tears down
    std::atomic<bool> stop{false};
    std::mutex wait_mutex;
    std::condition_variable wake;
    std::thread worker;
};

struct DeviceManager::Impl {
    usb::Context ctx;
    std::vector<DeviceProfile> profiles;
    ScanQueue& queue;
    DeviceLog log;
    EventClock clock;

    std::mutex pending_mutex;
    std::vector<usb::DeviceRef> arrived;
    std::vector<usb::DeviceRef> left;
    std::vector<std::pair<usb::DeviceRef, std::chrono::steady_clock::time_point>> retry;

    mutable std::mutex attached_mutex;
    std::map<libusb_device*, std::unique_ptr<Attached>> attached;

    std::vector<std::unique_ptr<Attached>> zombies;  // detached, transfer not yet returned
    libusb_hotplug_callback_handle hotplug = 0;
    bool has_hotplug = false;
    std::vector<libusb_device*> last_seen;  // enumeration polling, when no hot-plug
    std::chrono::steady_clock::time_point next_poll{};
    std::atomic<bool> stop{false};
    std::thread events;

    Impl(usb::Context c, std::vector<DeviceProfile> p, ScanQueue& q, DeviceLog l, EventClock k)
        : ctx(std::move(c)),
          profiles(std::move(p)),
          queue(q),
          log(std::move(l)),
          clock(std::move(k)) {}

    void say(const std::string& msg) const {
        if (log) log(msg);
    }

    const DeviceProfile* profile_for(libusb_device* dev) const {
        libusb_device_descriptor d{};
        if (libusb_get_device_descriptor(dev, &d) != 0) return nullptr;
        for (const auto& p : profiles)
            if (p.vendor_id == d.idVendor && p.product_id == d.idProduct) return &p;
        return nullptr;
    }

    static int LIBUSB_CALL on_hotplug(libusb_context*, libusb_device* dev,
                                      libusb_hotplug_event event, void* self_) {
        auto* self = static_cast<Impl*>(self_);
        // Only note it here: opening a device inside the callback is not allowed.
        std::lock_guard lock(self->pending_mutex);
        (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? self->arrived : self->left)
            .emplace_back(dev);
        return 0;
    }

    void emit(Attached& a, ScanKind kind, std::string payload) {
        queue.push(ScanEvent{a.source, kind, std::move(payload), clock()});
    }

    void on_wedge_read(Attached& a, std::string text) {
        if (a.profile.wedge.kind == ScanKind::magstripe) {
            auto swipe = parse_swipe(text);
            if (!swipe) {
                say(a.source + ": swipe refused: " + swipe.error().message);
                return;
            }
            emit(a, ScanKind::magstripe, swipe->account());
            return;
        }
        if (a.profile.wedge.kind == ScanKind::card_uid)
            std::ranges::transform(text, text.begin(), [](char c) {
                return c >= 'a' && c <= 'f' ? static_cast<char>(c - 32) : c;
            });
        emit(a, a.profile.wedge.kind, std::move(text));
    }

    void on_interrupt(Attached& a, libusb_transfer& t) {
        // A device being detached may still complete a report while its transfer is
        // cancelled: it is gone for the app, so the report is dropped.
        if (a.stop) return;
        switch (t.status) {
            case LIBUSB_TRANSFER_COMPLETED: {
                a.errors = 0;
                const std::span<const std::uint8_t> report{
                    t.buffer, static_cast<std::size_t>(t.actual_length)};
                std::lock_guard lock(a.decode_mutex);
                if (a.hid_pos) {
                    if (auto scan = a.hid_pos->feed(report)) {
                        if (*scan)
                            emit(a, (*scan)->kind, scan_payload((*scan)->data));
                        else
                            say(a.source + ": " + scan->error().message);
                    }
                } else if (auto text = a.decoder->feed(report, std::chrono::steady_clock::now())) {
                    on_wedge_read(a, std::move(*text));
                }
                break;
            }
            case LIBUSB_TRANSFER_TIMED_OUT:
                break;
            case LIBUSB_TRANSFER_CANCELLED:
                return;
            case LIBUSB_TRANSFER_NO_DEVICE:
                a.failed = true;
                return;
            default:
                say(a.source + ": interrupt transfer failed (status " + std::to_string(t.status) +
                    ")");
                if (++a.errors > kMaxConsecutiveErrors) {
                    a.failed = true;
                    return;
                }
        }
        if (auto r = a.transfer->resubmit(); !r) {
            say(a.source + ": " + r.error().message);
            a.failed = true;
        }
    }

    // One CCID request/response. Sequence numbers let a late answer be told apart.
    Result<ccid::Bytes> exchange(Attached& a, std::uint8_t& seq, const ccid::Bytes& out) {
        int done = 0;
        auto msg = out;
        if (const int rc =
                libusb_bulk_transfer(a.handle->get(), a.endpoints.bulk_out, msg.data(),
                                     static_cast<int>(msg.size()), &done, kCcidTimeoutMs);
            rc != 0)
            return usb::usb_error("CCID send", rc);
        std::uint8_t in[kCcidInSize];
        if (const int rc = libusb_bulk_transfer(a.handle->get(), a.endpoints.bulk_in, in,
                                                kCcidInSize, &done, kCcidTimeoutMs);
            rc != 0)
            return usb::usb_error("CCID receive", rc);
        return ccid::parse_data_block({in, static_cast<std::size_t>(done)}, seq++);
    }

    void ccid_worker(Attached& a) {
        std::uint8_t seq = 0;
        std::string last_uid;
        auto failed = [&](const Error& e) {
            if (e.code == Errc::device_gone) return true;  // unplugged: hot-plug detaches it
            say(a.source + ": " + e.message);
            return ++a.errors > kMaxConsecutiveErrors;
        };
        if (auto r = exchange(a, seq, ccid::power_on(0, seq)); !r && failed(r.error())) {
            a.failed = true;
            return;
        }
        while (!a.stop) {
            auto r = exchange(a, seq, ccid::xfr_block(0, seq, ccid::kGetUid));
            if (!r) {
                if (failed(r.error())) {
                    a.failed = true;
                    return;
                }
            } else {
                a.errors = 0;
                auto uid = ccid::uid_from_response(*r);
                if (uid && *uid != last_uid) {
                    emit(a, ScanKind::card_uid, *uid);
                    if (a.profile.acknowledge) {
                        auto ack = exchange(a, seq, ccid::xfr_block(0, seq, ccid::kAckLedBuzzer));
                        say(a.source + ": " + *uid +
                            (ack ? " acknowledged (LED/buzzer)"
                                 : " not acknowledged: " + ack.error().message));
                    }
                }
                // A card stays "read" until the reader stops seeing it: one tap, one event.
                last_uid = uid ? *uid : std::string{};
                if (!uid && uid.error().code != Errc::not_found)
                    say(a.source + ": " + uid.error().message);
            }
            std::unique_lock lock(a.wait_mutex);
            a.wake.wait_for(lock, a.profile.poll_interval, [&] { return a.stop.load(); });
        }
    }

    void attach(const usb::DeviceRef& dev) {
        const DeviceProfile* profile = profile_for(dev.get());
        if (!profile) return;
        {
            std::lock_guard lock(attached_mutex);
            if (attached.contains(dev.get())) return;
        }
        auto a = std::make_unique<Attached>();
        a->dev = dev;
        a->profile = *profile;
        a->source = source_of(dev.get(), profile->vendor_id, profile->product_id);
        auto fail = [&](const std::string& why) {
            say(a->source + " (" + profile->name + "): " + why + "; retrying in " +
                std::to_string(profile->retry_after.count()) + " ms");
            retry.emplace_back(dev, std::chrono::steady_clock::now() + profile->retry_after);
        };
        auto ep = usb::find_interface(
            dev.get(), profile->role == DeviceRole::ccid_nfc ? LIBUSB_CLASS_SMART_CARD : 0xFF);
        if (!ep) return fail(ep.error().message);
        a->endpoints = *ep;
        auto handle = usb::Handle::open(dev);
        if (!handle) return fail(handle.error().message);
        a->handle.emplace(std::move(*handle));
        if (auto c = a->handle->claim(ep->interface_number); !c) return fail(c.error().message);

        Attached& ref = *a;
        if (profile->role != DeviceRole::ccid_nfc) {
            if (ep->interrupt_in == 0) return fail("no interrupt IN endpoint");
            if (profile->role == DeviceRole::keyboard_wedge) {
                // Ask for boot protocol (8-byte reports). Devices that refuse already use it.
                libusb_control_transfer(a->handle->get(), 0x21, 0x0B, 0,
                                        static_cast<std::uint16_t>(ep->interface_number), nullptr,
                                        0, 200);
                a->decoder.emplace(profile->wedge);
            } else {
                a->hid_pos.emplace();
            }
            a->transfer = std::make_unique<usb::Transfer>();
            auto s = a->transfer->submit_interrupt_in(
                a->handle->get(), ep->interrupt_in,
                std::max(8, std::min(64, ep->interrupt_in_size)),
                [this, &ref](libusb_transfer& t) { on_interrupt(ref, t); });
            if (!s) return fail(s.error().message);
        } else {
            if (ep->bulk_in == 0 || ep->bulk_out == 0) return fail("no bulk endpoints");
            a->worker = std::thread([this, &ref] { ccid_worker(ref); });
        }
        say(a->source + " (" + profile->name + "): attached");
        std::lock_guard lock(attached_mutex);
        attached.emplace(dev.get(), std::move(a));
    }

    // Stops and closes a device. Runs on the event thread (or after it ended).
    void detach(libusb_device* key, const char* why) {
        std::unique_ptr<Attached> a;
        {
            std::lock_guard lock(attached_mutex);
            auto it = attached.find(key);
            if (it == attached.end()) return;
            a = std::move(it->second);
            attached.erase(it);
        }
        a->stop = true;
        a->wake.notify_all();
        if (a->worker.joinable()) a->worker.join();
        if (a->transfer && a->transfer->in_flight()) {
            a->transfer->cancel();
            // The cancellation completes through the event loop; wait for it (bounded).
            for (int i = 0; i < 50 && a->transfer->busy(); ++i) {
                timeval tv{0, 20000};
                libusb_handle_events_timeout_completed(ctx.get(), &tv, nullptr);
            }
        }
        say(a->source + ": detached (" + why + ")");
        // A transfer that has not come back yet still points into `a`: keep it until it does.
        while (a->transfer && !a->transfer->in_flight() && a->transfer->busy())
            std::this_thread::yield();
        if (a->transfer && a->transfer->busy()) zombies.push_back(std::move(a));
    }

    void poll_enumeration() {
        libusb_device** list = nullptr;
        const auto n = libusb_get_device_list(ctx.get(), &list);
        if (n < 0) return;
        std::vector<libusb_device*> now(list, list + n);
        for (auto* d : now)
            if (std::ranges::find(last_seen, d) == last_seen.end()) attach(usb::DeviceRef(d));
        std::vector<libusb_device*> gone;
        {
            std::lock_guard lock(attached_mutex);
            for (const auto& [d, _] : attached)
                if (std::ranges::find(now, d) == now.end()) gone.push_back(d);
        }
        for (auto* d : gone) detach(d, "unplugged");
        last_seen = std::move(now);
        libusb_free_device_list(list, 1);
    }

    void run() {
        while (!stop) {
            timeval tv{0, 50000};
            libusb_handle_events_timeout_completed(ctx.get(), &tv, nullptr);
            std::vector<usb::DeviceRef> in, out;
            {
                std::lock_guard lock(pending_mutex);
                in.swap(arrived);
                out.swap(left);
            }
            for (auto& d : out) {
                detach(d.get(), "unplugged");
                std::erase_if(retry, [&](const auto& r) { return r.first.get() == d.get(); });
            }
            for (auto& d : in) attach(d);
            const auto now = std::chrono::steady_clock::now();
            if (!has_hotplug && now >= next_poll) {
                poll_enumeration();
                next_poll = now + std::chrono::seconds(1);
            }
            // Retries due; a device that was unplugged meanwhile fails to open and is dropped.
            std::vector<usb::DeviceRef> due;
            std::erase_if(retry, [&](auto& r) {
                if (r.second > now) return false;
                due.push_back(r.first);
                return true;
            });
            if (!due.empty()) {
                // Only devices still on the bus: opening one that left is pointless.
                libusb_device** list = nullptr;
                const auto n = libusb_get_device_list(ctx.get(), &list);
                for (auto& d : due)
                    if (n > 0 && std::find(list, list + n, d.get()) != list + n) attach(d);
                if (n >= 0) libusb_free_device_list(list, 1);
            }
            // Partial wedge reads that timed out, and devices that failed.
            std::vector<std::pair<usb::DeviceRef, std::chrono::milliseconds>> failed;
            {
                std::lock_guard lock(attached_mutex);
                for (auto& [key, a] : attached) {
                    std::unique_lock decode_lock(a->decode_mutex);
                    if (a->decoder && a->decoder->expire(now))
                        say(a->source + ": partial read timed out, dropped");
                    decode_lock.unlock();
                    if (a->failed) failed.emplace_back(a->dev, a->profile.retry_after);
                }
            }
            for (auto& [d, after] : failed) {
                detach(d.get(), "failed");
                retry.emplace_back(d, now + after);
            }
            std::erase_if(zombies, [](const auto& z) { return !z->transfer->busy(); });
        }
        std::vector<libusb_device*> all;
        {
            std::lock_guard lock(attached_mutex);
            for (const auto& [d, _] : attached) all.push_back(d);
        }
        for (auto* d : all) detach(d, "shutting down");
        std::erase_if(zombies, [](const auto& z) { return !z->transfer->busy(); });
        // Whatever libusb still holds is leaked rather than freed under its feet.
        for (auto& z : zombies) (void)z.release();
    }
};

Result<std::unique_ptr<DeviceManager>> DeviceManager::start(std::vector<DeviceProfile> profiles,
                                                            ScanQueue& queue, DeviceLog log,
                                                            EventClock clock) {
    auto ctx = usb::Context::create();
    if (!ctx) return ctx.error();
    if (!clock) clock = [] { return std::chrono::system_clock::now(); };
    auto impl = std::make_unique<Impl>(std::move(*ctx), std::move(profiles), queue, std::move(log),
                                       std::move(clock));
    impl->has_hotplug = libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0;
    if (impl->has_hotplug) {
        const int rc = libusb_hotplug_register_callback(
            impl->ctx.get(),
            static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                              LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
            LIBUSB_HOTPLUG_ENUMERATE, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
            LIBUSB_HOTPLUG_MATCH_ANY, &Impl::on_hotplug, impl.get(), &impl->hotplug);
        if (rc != 0) {
            impl->say(std::string("hot-plug unavailable (") + libusb_error_name(rc) +
                      "), polling for devices");
            impl->has_hotplug = false;
        }
    }
    Impl* raw = impl.get();
    raw->events = std::thread([raw] { raw->run(); });
    return std::unique_ptr<DeviceManager>(new DeviceManager(std::move(impl)));
}

DeviceManager::DeviceManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DeviceManager::~DeviceManager() {
    impl_->stop = true;
    impl_->events.join();
    if (impl_->has_hotplug) libusb_hotplug_deregister_callback(impl_->ctx.get(), impl_->hotplug);
}

std::vector<std::string> DeviceManager::attached() const {
    std::lock_guard lock(impl_->attached_mutex);
    std::vector<std::string> out;
    for (const auto& [_, a] : impl_->attached) out.push_back(a->source);
    return out;
}

}  // namespace loyalty::devices
