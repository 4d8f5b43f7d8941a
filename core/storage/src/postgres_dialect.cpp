// What differs between the engine's SQLite statements and PostgreSQL, and only that:
//   ?, ?NNN                   -> $1, $2, ... / $NNN
//   INSERT OR IGNORE ...      -> INSERT ... ON CONFLICT DO NOTHING
//   max(a, b) / min(a, b)     -> GREATEST(a, b) / LEAST(a, b)   (the aggregates stay)
//   group_concat(x[, sep])    -> string_agg(x::text, sep)
//   instr(a, b)               -> strpos(a, b)
//   json_extract(j, '$.a.b')  -> (j)::jsonb #>> '{a,b}'
//   char(n), ifnull(a, b)     -> chr(n), coalesce(a, b)
//   CAST(x AS INTEGER)        -> CAST(x AS BIGINT)   (SQLite's integers are 64-bit)
// Strings, quoted names and comments pass through untouched.
#include "postgres_dialect.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace loyalty {

namespace {

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool word_at(std::string_view sql, std::size_t i, std::string_view word) {
    if (i + word.size() > sql.size()) return false;
    if (i > 0 && is_name_char(sql[i - 1])) return false;
    for (std::size_t k = 0; k < word.size(); ++k)
        if (std::tolower(static_cast<unsigned char>(sql[i + k])) != word[k]) return false;
    return i + word.size() == sql.size() || !is_name_char(sql[i + word.size()]);
}

// The end of the quoted text or comment starting at i (one past it), or i itself.
std::size_t skip_quoted(std::string_view sql, std::size_t i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
        for (std::size_t j = i + 1; j < sql.size(); ++j) {
            if (sql[j] != c) continue;
            if (j + 1 < sql.size() && sql[j + 1] == c) {
                ++j;  // a doubled quote inside
                continue;
            }
            return j + 1;
        }
        return sql.size();
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
        const auto end = sql.find('\n', i);
        return end == std::string_view::npos ? sql.size() : end;
    }
    return i;
}

class Rewriter {
  public:
    PostgresSql statement(std::string_view sql) {
        std::string out = span(sql);
        if (ignore_conflicts_) out = with_on_conflict_do_nothing(out);
        return {std::move(out), largest_param_};
    }

  private:
    int largest_param_ = 0;
    bool ignore_conflicts_ = false;

    std::string span(std::string_view sql) {
        std::string out;
        out.reserve(sql.size() + 16);
        std::size_t i = 0;
        while (i < sql.size()) {
            if (const auto end = skip_quoted(sql, i); end != i) {
                out.append(sql.substr(i, end - i));
                i = end;
                continue;
            }
            const char c = sql[i];
            if (c == '?') {
                // ?NNN names its parameter; a bare ? is one past the largest so far (SQLite's
                // rule).
                std::size_t j = i + 1;
                while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
                const int n = j > i + 1 ? std::stoi(std::string(sql.substr(i + 1, j - i - 1)))
                                        : largest_param_ + 1;
                largest_param_ = std::max(largest_param_, n);
                out += '$';
                out += std::to_string(n);
                i = j;
                continue;
            }
            if (word_at(sql, i, "insert")) {
                const auto rest = sql.find_first_not_of(" \n\t", i + 6);
                if (rest != std::string_view::npos && word_at(sql, rest, "or")) {
                    const auto what = sql.find_first_not_of(" \n\t", rest + 2);
                    if (what == std::string_view::npos || !word_at(sql, what, "ignore"))
                        throw std::invalid_argument(
                            "postgres_sql: only INSERT OR IGNORE is "
                            "rewritten: " +
                            std::string(sql));
                    ignore_conflicts_ = true;
                    out += "INSERT";
                    i = what + 6;
                    continue;
                }
            }
            if (word_at(sql, i, "integer") && out_ends_with_as(out)) {
                out += "BIGINT";
                i += 7;
                continue;
            }
            if (std::isalpha(static_cast<unsigned char>(c)) &&
                (i == 0 || !is_name_char(sql[i - 1]))) {
                std::size_t j = i;
                while (j < sql.size() && is_name_char(sql[j])) ++j;
                if (j < sql.size() && sql[j] == '(') {
                    if (auto call = function(sql, i, j)) {
                        out += *call;
                        i = end_of_call_;
                        continue;
                    }
                }
                out.append(sql.substr(i, j - i));
                i = j;
                continue;
            }
            out += c;
            ++i;
        }
        return out;
    }

    static bool out_ends_with_as(const std::string& out) {
        auto end = out.find_last_not_of(" \n\t");
        if (end == std::string::npos || end < 1) return false;
        return (out[end] == 's' || out[end] == 'S') &&
               (out[end - 1] == 'a' || out[end - 1] == 'A') &&
               (end < 2 || !is_name_char(out[end - 2]));
    }

    std::size_t end_of_call_ = 0;

    // The arguments of the call whose '(' is at open, split at top-level commas,
    // untranslated; end_of_call_ is set one past its ')'.
    std::vector<std::string_view> arguments(std::string_view sql, std::size_t open) {
        std::vector<std::string_view> args;
        int depth = 0;
        std::size_t start = open + 1;
        for (std::size_t i = open; i < sql.size();) {
            if (const auto end = skip_quoted(sql, i); end != i) {
                i = end;
                continue;
            }
            const char c = sql[i];
            if (c == '(') {
                ++depth;
            } else if (c == ')') {
                if (--depth == 0) {
                    args.push_back(sql.substr(start, i - start));
                    end_of_call_ = i + 1;
                    return args;
                }
            } else if (c == ',' && depth == 1) {
                args.push_back(sql.substr(start, i - start));
                start = i + 1;
            }
            ++i;
        }
        throw std::invalid_argument("postgres_sql: unbalanced parentheses: " + std::string(sql));
    }

    std::string joined(const std::vector<std::string_view>& args, std::size_t from = 0) {
        std::string out;
        for (std::size_t k = from; k < args.size(); ++k) {
            if (k > from) out += ',';  // each argument keeps its own spacing
            out += span(args[k]);
        }
        return out;
    }

    // A rewritten call of the function named sql[name, open), or nullopt to keep it;
    // end_of_call_ is then one past the call's ')'.
    std::optional<std::string> function(std::string_view sql, std::size_t name, std::size_t open) {
        const auto is = [&](std::string_view fn) { return word_at(sql, name, fn); };
        if (!is("max") && !is("min") && !is("group_concat") && !is("instr") && !is("char") &&
            !is("ifnull") && !is("json_extract"))
            return std::nullopt;
        const auto args = arguments(sql, open);
        const auto end = end_of_call_;  // the arguments' own calls move end_of_call_
        auto call = rewritten(sql, name, args);
        end_of_call_ = end;
        return call;
    }

    std::optional<std::string> rewritten(std::string_view sql, std::size_t name,
                                         const std::vector<std::string_view>& args) {
        const auto is = [&](std::string_view fn) { return word_at(sql, name, fn); };
        if (is("max") || is("min")) {
            if (args.size() < 2) return std::nullopt;  // the aggregate
            return std::string(is("max") ? "GREATEST(" : "LEAST(") + joined(args) + ")";
        }
        if (is("group_concat")) {
            const std::string value = span(args[0]);  // first: its ? come first
            const std::string separator = args.size() > 1 ? span(args[1]) : "','";
            return "string_agg((" + value + ")::text," + separator + ")";
        }
        if (is("instr")) return "strpos(" + joined(args) + ")";
        if (is("char")) return "chr(" + joined(args) + ")";
        if (is("ifnull")) return "coalesce(" + joined(args) + ")";
        // json_extract
        if (args.size() != 2) throw std::invalid_argument("postgres_sql: json_extract(j, path)");
        std::string path(args[1]);
        const auto first = path.find("'$.");
        const auto last = path.rfind('\'');
        if (first == std::string::npos || last <= first + 3)
            throw std::invalid_argument("postgres_sql: json_extract needs a literal '$.a.b' path");
        std::string keys = path.substr(first + 3, last - first - 3);
        for (auto& ch : keys)
            if (ch == '.') ch = ',';
        return "((" + span(args[0]) + ")::jsonb #>> '{" + keys + "}')";
    }

    // ON CONFLICT DO NOTHING goes before a RETURNING clause, or at the end.
    static std::string with_on_conflict_do_nothing(std::string sql) {
        std::size_t returning = std::string::npos;
        for (std::size_t i = 0; i < sql.size();) {
            if (const auto end = skip_quoted(sql, i); end != i) {
                i = end;
                continue;
            }
            if (word_at(sql, i, "returning")) returning = i;
            ++i;
        }
        if (returning != std::string::npos) {
            sql.insert(returning, "ON CONFLICT DO NOTHING ");
            return sql;
        }
        const auto end = sql.find_last_not_of(" \n\t;");
        sql.erase(end == std::string::npos ? 0 : end + 1);
        return sql + " ON CONFLICT DO NOTHING";
    }
};

}  // namespace

PostgresSql postgres_sql(std::string_view sqlite_sql) {
    return Rewriter().statement(sqlite_sql);
}

}  // namespace loyalty
