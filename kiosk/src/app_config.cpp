// The kiosk's settings from the app's options: who it is (program, store, terminal,
// each a code the link agent and the hub accept) and whose signed codes it trusts.
// A missing or malformed setting is refused with a sentence that names it.
#include "app_impl.hpp"

namespace loyalty::kiosk {

namespace {

bool is_code(const std::string& s) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    return true;
}

Result<void> check_code(const char* what, const std::string& value) {
    if (value.empty())
        return make_error(Errc::invalid_argument, std::string("no ") + what + " code: give --" +
                                                      what + " CODE, or " + what +
                                                      " = \"CODE\" in the --config file");
    if (!is_code(value))
        return make_error(Errc::invalid_argument,
                          std::string(what) + " code '" + value +
                              "' is not valid: 1 to 32 letters, digits, '_' or '-'");
    return {};
}

}  // namespace

Result<KioskConfig> kiosk_config_from(const AppOptions& options) {
    for (const auto& [what, value] :
         {std::pair{"program", &options.program}, std::pair{"store", &options.store},
          std::pair{"terminal", &options.terminal}})
        if (auto ok = check_code(what, *value); !ok) return ok.error();
    KioskConfig config;
    config.program = options.program;
    for (const auto& other : options.also_programs) {
        if (auto ok = check_code("also_programs", other); !ok) return ok.error();
        if (other == options.program)
            return make_error(Errc::invalid_argument,
                              "also_programs names the kiosk's own program " + other);
        config.also_programs.push_back(other);
    }
    config.origin = Origin{options.store, options.terminal};
    config.manager_id = options.manager_id;
    config.mounts_table = options.mounts_table;
    config.removable_media_roots = options.removable_media_roots;
    config.offline_banner_after = std::chrono::seconds{options.offline_banner_seconds};
    if (options.photo_keep_days < 1)
        return make_error(Errc::invalid_argument, "photo_keep_days must be at least 1, got " +
                                                      std::to_string(options.photo_keep_days));
    config.photo_keep_days = options.photo_keep_days;
    for (const auto& k : options.trusted_keys) {
        const auto colon = k.find(':');
        if (colon == std::string::npos)
            return make_error(Errc::invalid_argument, "trusted key is key_id:hex, got " + k);
        if (auto added = config.trusted_keys.add_hex(k.substr(0, colon), k.substr(colon + 1));
            !added)
            return added.error();
    }
    if (options.demo) config.trusted_keys.add(demo_signing_key());
    if (!options.link_config.empty()) {
        auto link = sync::load_agent_config(options.link_config);
        if (!link) return link.error();
        if (link->address.program != options.program || link->address.store != options.store)
            return make_error(Errc::invalid_argument,
                              "link_config " + options.link_config.string() + " is the link of " +
                                  link->address.program + "/" + link->address.store +
                                  ", not of this kiosk's " + options.program + "/" + options.store);
        config.link = std::move(link.value());
    }
    return config;
}

}  // namespace loyalty::kiosk
