#pragma once
// Enrolling a shopper at the till, as a step of its own: the session may first ask the member
// hub whether the phone belongs to a member of another store (and link that member instead);
// what is here is the store-local enrollment that follows when it does not.
#include <string>

#include "loyalty/engine.hpp"
#include "requests.hpp"

namespace loyalty::pos {

// A new member of `program` with `store` as home store, in one engine transaction: the phone,
// the electronic card and, when one was handed over, the physical card. Idempotent by the
// call's request id.
Reply enroll_in_store(Engine& engine, const std::string& program, const std::string& store,
                      const EnrollCall& call);

// The phone is a member of another store (the member hub found them and the
// session kept them here): the shopper is that member, "linked": true, and a card
// handed over becomes theirs. Nobody is enrolled twice.
Reply link_hub_member(Engine& engine, const std::string& program, const Member& member,
                      const EnrollCall& call);

}  // namespace loyalty::pos
