// Recursive-descent parser for the Python 2 literal subset; see python_literal.hpp.
#include "tests/support/python_literal.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <cstdint>

namespace reconcilerd::test {

namespace json = boost::json;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0, min = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      n = 1, cp = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2, cp = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3, cp = b & 0x07, min = 0x10000;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

class parser {
 public:
  explicit parser(std::string_view s) : s_(s) {}

  std::optional<json::value> run(std::string* error) {
    skip_ws();
    auto v = value(0);
    if (v) {
      skip_ws();
      if (pos_ != s_.size()) {
        fail("unexpected text after the literal");
        v.reset();
      }
    }
    if (!v && error) *error = error_;
    return v;
  }

 private:
  static constexpr int max_depth = 100;

  std::nullopt_t fail(const std::string& what) {
    if (error_.empty()) error_ = "at offset " + std::to_string(pos_) + ": " + what;
    return std::nullopt;
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0';
  }

  void skip_ws() {
    while (!at_end() &&
           (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r' || peek() == '\f'))
      ++pos_;
  }

  bool is_quote(char c) const { return c == '\'' || c == '"'; }
  bool at_string() const {
    return is_quote(peek()) || ((peek() == 'u' || peek() == 'U') && is_quote(peek(1)));
  }

  std::optional<json::value> value(int depth) {
    if (depth > max_depth) return fail("literal nested too deeply");
    if (at_end()) return fail("expected a value, found the end of the text");
    char c = peek();
    if (c == '{') return dict(depth);
    if (c == '[') return list(depth);
    if (c == '(') return parenthesised(depth);
    if (at_string()) {
      auto s = string();
      if (!s) return std::nullopt;
      return json::value(*s);
    }
    if (is_digit(c) || c == '-' || c == '+' || c == '.') return number();
    if (is_ident_start(c)) return name();
    if (c == '\0') return fail("NUL byte in the text");
    return fail(std::string("unexpected character '") + c + "'");
  }

  std::optional<json::value> dict(int depth) {
    ++pos_;  // '{'
    json::object obj;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      return json::value(std::move(obj));
    }
    for (;;) {
      skip_ws();
      if (!at_string()) return fail("dict keys must be strings");
      auto key = string();
      if (!key) return std::nullopt;
      skip_ws();
      if (peek() != ':') return fail("expected ':' after a dict key");
      ++pos_;
      skip_ws();
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      obj[*key] = std::move(*v);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        skip_ws();
        if (peek() == '}') {
          ++pos_;
          break;
        }
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        break;
      }
      return fail("expected ',' or '}' in a dict");
    }
    return json::value(std::move(obj));
  }

  // Elements up to `close`, after the opening bracket; trailing comma allowed.
  std::optional<json::array> elements(int depth, char close, json::array arr) {
    for (;;) {
      skip_ws();
      if (peek() == close) {
        ++pos_;
        return arr;
      }
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      arr.push_back(std::move(*v));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == close) {
        ++pos_;
        return arr;
      }
      return fail(std::string("expected ',' or '") + close + "'");
    }
  }

  std::optional<json::value> list(int depth) {
    ++pos_;  // '['
    auto arr = elements(depth, ']', {});
    if (!arr) return std::nullopt;
    return json::value(std::move(*arr));
  }

  static json::value tuple(json::array items) {
    json::object t;
    t[python_tuple_key] = std::move(items);
    return t;
  }

  std::optional<json::value> parenthesised(int depth) {
    ++pos_;  // '('
    skip_ws();
    if (peek() == ')') {
      ++pos_;
      return tuple({});
    }
    auto first = value(depth + 1);
    if (!first) return std::nullopt;
    skip_ws();
    if (peek() == ')') {  // (x) is just x
      ++pos_;
      return first;
    }
    if (peek() != ',') return fail("expected ',' or ')'");
    ++pos_;
    json::array items;
    items.push_back(std::move(*first));
    auto rest = elements(depth, ')', std::move(items));
    if (!rest) return std::nullopt;
    return tuple(std::move(*rest));
  }

  std::optional<json::value> name() {
    std::size_t start = pos_;
    while (!at_end() && is_ident_char(peek())) ++pos_;
    std::string_view id = s_.substr(start, pos_ - start);
    if (is_quote(peek())) {
      pos_ = start;
      return fail("string prefix '" + std::string(id) + "' is not supported (only u)");
    }
    if (id == "True") return json::value(true);
    if (id == "False") return json::value(false);
    if (id == "None") return json::value(nullptr);
    pos_ = start;
    return fail("unknown name '" + std::string(id) + "' (only True, False and None)");
  }

  std::optional<json::value> number() {
    std::size_t start = pos_;
    bool negative = false;
    if (peek() == '-' || peek() == '+') {
      negative = peek() == '-';
      ++pos_;
    }
    std::size_t digits_start = pos_;
    std::size_t int_digits = 0, frac_digits = 0;
    bool is_float = false;
    while (is_digit(peek())) ++pos_, ++int_digits;
    if (peek() == '.') {
      is_float = true;
      ++pos_;
      while (is_digit(peek())) ++pos_, ++frac_digits;
    }
    if (int_digits + frac_digits == 0) {
      pos_ = start;
      return fail("malformed number");
    }
    if (peek() == 'e' || peek() == 'E') {
      is_float = true;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) return fail("malformed number exponent");
      while (is_digit(peek())) ++pos_;
    }
    if (is_ident_char(peek()) || peek() == '.') {
      return fail("malformed number (no L, j, 0x or 0o forms)");
    }
    std::string_view digits = s_.substr(digits_start, pos_ - digits_start);
    if (!is_float) {
      if (digits.size() > 1 && digits[0] == '0') {
        pos_ = start;
        return fail("integer with a leading zero (octal in Python 2)");
      }
      std::string text = (negative ? "-" : "") + std::string(digits);
      std::int64_t i{};
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      if (ec == std::errc{} && p == text.data() + text.size()) return json::value(i);
      std::uint64_t u{};
      if (!negative) {
        auto [p2, ec2] = std::from_chars(text.data(), text.data() + text.size(), u);
        if (ec2 == std::errc{} && p2 == text.data() + text.size()) return json::value(u);
      }
      pos_ = start;
      return fail("integer out of the 64-bit range");
    }
    double d{};
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
    if (ec != std::errc{} || p != digits.data() + digits.size()) {
      pos_ = start;
      return fail("float out of range");
    }
    return json::value(negative ? -d : d);
  }

  std::optional<std::uint32_t> hex_digits(int n) {
    std::uint32_t v = 0;
    for (int k = 0; k < n; ++k) {
      int h = hex_value(peek());
      if (h < 0) return fail("escape needs " + std::to_string(n) + " hex digits");
      v = v * 16 + static_cast<std::uint32_t>(h);
      ++pos_;
    }
    return v;
  }

  std::optional<std::string> string() {
    bool unicode = false;
    if (peek() == 'u' || peek() == 'U') {
      unicode = true;
      ++pos_;
    }
    const char q = peek();
    const std::size_t start = pos_;
    if (peek(1) == q && peek(2) == q) return fail("triple-quoted strings are not supported");
    ++pos_;
    std::string out;
    for (;;) {
      if (at_end()) {
        pos_ = start;
        return fail("unterminated string");
      }
      char c = s_[pos_];
      if (c == q) {
        ++pos_;
        break;
      }
      if (c == '\n' || c == '\r') return fail("line break inside a string");
      if (c == '\0') return fail("NUL byte in the text");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      char e = peek();
      ++pos_;
      switch (e) {
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'x': {
          auto v = hex_digits(2);
          if (!v) return std::nullopt;
          if (unicode)
            append_utf8(out, *v);
          else
            out += static_cast<char>(*v);
          break;
        }
        case 'u':
        case 'U': {
          if (!unicode) {
            pos_ -= 2;
            return fail(std::string("\\") + e +
                        " is not an escape in a byte string (use a u'...' literal)");
          }
          auto cp = hex_digits(e == 'u' ? 4 : 8);
          if (!cp) return std::nullopt;
          if (*cp >= 0xD800 && *cp <= 0xDBFF && e == 'u' && peek() == '\\' && peek(1) == 'u') {
            pos_ += 2;
            auto low = hex_digits(4);
            if (!low) return std::nullopt;
            if (*low < 0xDC00 || *low > 0xDFFF) return fail("unpaired surrogate in \\u escape");
            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
          }
          if ((*cp >= 0xD800 && *cp <= 0xDFFF)) return fail("unpaired surrogate in \\u escape");
          if (*cp > 0x10FFFF) return fail("code point above U+10FFFF");
          append_utf8(out, *cp);
          break;
        }
        default:
          if (pos_ > s_.size()) {
            pos_ = start;
            return fail("unterminated string");
          }
          pos_ -= 2;
          if (e == '\0') return fail("NUL byte in the text");
          return fail(std::string("unsupported escape \\") + e);
      }
    }
    if (!valid_utf8(out)) {
      pos_ = start;
      return fail(unicode ? "string is not valid UTF-8" : "byte string is not valid UTF-8");
    }
    return out;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::optional<json::value> parse_python_literal(std::string_view text, std::string* error) {
  return parser(text).run(error);
}

}  // namespace reconcilerd::test
