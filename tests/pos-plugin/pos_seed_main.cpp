// pos_seed DB: makes the POS tests' store database and prints what the foreign
// callers (C example, Python, CLI) need to know about it, as JSON.
#include <cstdio>
#include <exception>

#include "store_seed.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: pos_seed DB\n");
        return 2;
    }
    try {
        const auto seeded = loyalty::pos_test::seed_store(argv[1]);
        std::printf("%s\n", loyalty::pos_test::seeded_store_json(seeded).c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pos_seed: %s\n", e.what());
        return 1;
    }
}
