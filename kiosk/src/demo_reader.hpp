#pragma once
// The simulated reader of `--demo`: it stands in for the card reader, the
// camera and the shopper's app, pushing the same ScanEvents real devices push.
// It also plays the hub and the till, which sign member and receipt codes.
#include <mutex>
#include <string>
#include <vector>

#include "kiosk_controller.hpp"
#include "loyalty/devices/scan_queue.hpp"
#include "loyalty/signed_codes.hpp"

namespace loyalty::kiosk {

struct DemoMember {
    MemberId id = 0;
    std::string uid;
    std::string masked_name;
    std::string card_uid;
    std::string phone;  // national number, as typed on the keypad
};

constexpr const char* kDemoMemberPin = "1234";
constexpr const char* kDemoManagerPin = "246810";

// The demo hub's and till's key; terminals trust its public half.
SigningKey demo_signing_key();

class DemoReader {
  public:
    DemoReader(devices::ScanQueue& queue, KioskController& kiosk);

    // On the worker: picks the first demo members, gives them a physical card
    // and a PIN, makes sure the manager can sign in. Idempotent.
    void set_up();
    std::vector<DemoMember> members() const;

    void tap_card(std::size_t i);
    void show_member_code(std::size_t i, int age_seconds = 0);
    // A fresh signed member code for demo member i (empty if there is none), as the shopper's
    // app shows it: the demo camera films a phone showing it.
    std::string fresh_member_code(std::size_t i, int age_seconds = 0);
    void tap_unknown_card();
    void show_garbled_code();
    void replay_last_code();
    // A till sells to a shopper who was not identified and prints a signed receipt code.
    void show_new_receipt();

  private:
    void push(devices::ScanKind kind, const std::string& payload);

    devices::ScanQueue& queue_;
    KioskController& kiosk_;
    SigningKey key_;
    mutable std::mutex mutex_;
    std::vector<DemoMember> members_;
    std::string last_code_;
    int unknown_cards_ = 0;
};

}  // namespace loyalty::kiosk
