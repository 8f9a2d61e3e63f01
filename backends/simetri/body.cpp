// Python 2 literal encoder for simetri's update_vals; see body.hpp.
#include "backends/simetri/body.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "backends/simetri/schema.hpp"

namespace reconcilerd::backends::simetri {

namespace json = boost::json;

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, std::uint32_t v, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += hex_digits[(v >> shift) & 15];
}

// Decodes one UTF-8 sequence at s[i]; advances i. Invalid input yields U+FFFD, one byte.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0, min = 0;
  if (b < 0x80) {
    ++i;
    return b;
  } else if ((b & 0xE0) == 0xC0) {
    n = 1, cp = b & 0x1F, min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    n = 2, cp = b & 0x0F, min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    n = 3, cp = b & 0x07, min = 0x10000;
  } else {
    ++i;
    return 0xFFFD;
  }
  for (std::size_t k = 1; k <= n; ++k) {
    if (i + k >= s.size()) {
      ++i;
      return 0xFFFD;
    }
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += n + 1;
  return cp;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string encode_double(double d) {
  if (std::isnan(d)) return "None";
  if (std::isinf(d)) return d > 0 ? "1e999" : "-1e999";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, ec == std::errc{} ? end : buf);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

void encode(const json::value& v, std::string& out);

void encode_sequence(const json::array& items, char open, char close, bool tuple,
                     std::string& out) {
  out += open;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    encode(items[i], out);
  }
  if (tuple && items.size() == 1) out += ',';
  out += close;
}

void encode(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null:
      out += "None";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "True" : "False";
      break;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      out += encode_double(v.get_double());
      break;
    case json::kind::string:
      out += encode_python_string(v.get_string());
      break;
    case json::kind::array:
      encode_sequence(v.get_array(), '[', ']', false, out);
      break;
    case json::kind::object: {
      const auto& obj = v.get_object();
      if (obj.size() == 1 && obj.begin()->key() == tuple_key && obj.begin()->value().is_array()) {
        encode_sequence(obj.begin()->value().get_array(), '(', ')', true, out);
        break;
      }
      out += '{';
      bool first = true;
      for (const auto& m : obj) {
        if (!first) out += ", ";
        first = false;
        out += encode_python_string(m.key());
        out += ": ";
        encode(m.value(), out);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

json::value make_tuple(json::array items) {
  json::object t;
  t[tuple_key] = std::move(items);
  return t;
}

std::string encode_python_string(std::string_view s) {
  const bool unicode = !is_ascii(s);
  std::string out = unicode ? "u'" : "'";
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint32_t cp = next_code_point(s, i);
    switch (cp) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (cp < 0x20 || cp == 0x7f) {
          out += "\\x";
          append_hex(out, cp, 2);
        } else if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp <= 0xFFFF) {
          out += "\\u";
          append_hex(out, cp, 4);
        } else {
          out += "\\U";
          append_hex(out, cp, 8);
        }
    }
  }
  out += '\'';
  return out;
}

std::string encode_python_literal(const json::value& v) {
  std::string out;
  encode(v, out);
  return out;
}

namespace {

// A command list with every command array turned into a tuple, and each line's
// invoice_line_tax_id commands too; anything else is copied as is.
json::value commands_to_wire(const json::value& v) {
  const json::array* list = v.if_array();
  if (!list) return v;
  json::array out;
  for (const auto& c : *list) {
    const json::array* cmd = c.if_array();
    if (!cmd) {
      out.push_back(c);
      continue;
    }
    json::array items;
    for (const auto& item : *cmd) {
      if (const json::object* vals = item.if_object()) {
        json::object converted;
        for (const auto& m : *vals)
          converted[m.key()] = is_x2many_field(m.key()) ? commands_to_wire(m.value()) : m.value();
        items.push_back(std::move(converted));
      } else {
        items.push_back(item);
      }
    }
    out.push_back(make_tuple(std::move(items)));
  }
  return out;
}

}  // namespace

std::string update_vals(const json::object& update) {
  json::object wire;
  for (const auto& m : update)
    wire[m.key()] = is_x2many_field(m.key()) ? commands_to_wire(m.value()) : m.value();
  return encode_python_literal(wire);
}

}  // namespace reconcilerd::backends::simetri
