// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
#include "net_filter.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/system/error_code.hpp>

namespace inventory::server {

namespace {

using IpAddress = boost::asio::ip::address;
using boost::asio::ip::address_v4;
using boost::asio::ip::address_v6;

constexpr std::size_t kMaxUrlLength = 2048;
constexpr std::size_t kMaxHostLength = 253;  // DNS limit; also bounds the IPv6 buffer below.
constexpr std::size_t kMaxLabelLength = 63;

struct V4Range {
  std::uint32_t base;
  int prefix_length;
};

constexpr std::uint32_t v4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// The IANA IPv4 special-purpose registry, minus nothing: every entry is either not globally
// reachable or an anycast service no webhook receiver lives on, so all of them are refused.
constexpr std::array<V4Range, 18> kRefusedV4 = {{
    {v4(0, 0, 0, 0), 8},        // "this network"; Linux connects 0.0.0.0 to loopback
    {v4(10, 0, 0, 0), 8},       // private
    {v4(100, 64, 0, 0), 10},    // carrier-grade NAT, shared address space
    {v4(127, 0, 0, 0), 8},      // loopback
    {v4(169, 254, 0, 0), 16},   // link-local, including the cloud metadata service
    {v4(172, 16, 0, 0), 12},    // private
    {v4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {v4(192, 0, 2, 0), 24},     // documentation TEST-NET-1
    {v4(192, 31, 196, 0), 24},  // AS112
    {v4(192, 52, 193, 0), 24},  // AMT
    {v4(192, 88, 99, 0), 24},   // deprecated 6to4 relay anycast
    {v4(192, 168, 0, 0), 16},   // private
    {v4(192, 175, 48, 0), 24},  // AS112 direct delegation
    {v4(198, 18, 0, 0), 15},    // benchmarking
    {v4(198, 51, 100, 0), 24},  // documentation TEST-NET-2
    {v4(203, 0, 113, 0), 24},   // documentation TEST-NET-3
    {v4(224, 0, 0, 0), 4},      // multicast
    {v4(240, 0, 0, 0), 4},      // reserved, including broadcast 255.255.255.255
}};

bool in_v4_range(std::uint32_t value, const V4Range& range) {
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - range.prefix_length);
  return (value & mask) == range.base;
}

bool is_public_v4(std::uint32_t value) {
  for (const V4Range& range : kRefusedV4) {
    if (in_v4_range(value, range)) return false;
  }
  return true;
}

using V6Bytes = address_v6::bytes_type;

// True when the first `prefix_length` bits of `bytes` equal those of `prefix` (a byte array
// written left to right; bytes beyond it are zero).
bool has_v6_prefix(const V6Bytes& bytes, std::initializer_list<std::uint8_t> prefix,
                   int prefix_length) {
  V6Bytes full{};
  std::size_t i = 0;
  for (const std::uint8_t byte : prefix) full[i++] = byte;
  for (int bit = 0; bit < prefix_length; ++bit) {
    const auto index = static_cast<std::size_t>(bit / 8);
    const int mask = 0x80 >> (bit % 8);
    if ((bytes[index] & mask) != (full[index] & mask)) return false;
  }
  return true;
}

std::uint32_t v4_at(const V6Bytes& bytes, std::size_t offset) {
  return (std::uint32_t{bytes[offset]} << 24) | (std::uint32_t{bytes[offset + 1]} << 16) |
         (std::uint32_t{bytes[offset + 2]} << 8) | std::uint32_t{bytes[offset + 3]};
}

bool is_public_v6(const address_v6& address) {
  // A scope id only means something for link-local and site-local targets, which are refused
  // anyway; refusing it outright keeps "public" a property of the 128 bits alone.
  if (address.scope_id() != 0) return false;
  const V6Bytes bytes = address.to_bytes();
  // Forms that carry an IPv4 address are as public as that address: a dual-stack socket
  // connects ::ffff:a.b.c.d to a.b.c.d, and NAT64 and 6to4 gateways forward to it.
  if (has_v6_prefix(bytes, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96)) {
    return is_public_v4(v4_at(bytes, 12));
  }
  if (has_v6_prefix(bytes, {0x00, 0x64, 0xff, 0x9b}, 96)) return is_public_v4(v4_at(bytes, 12));
  if (has_v6_prefix(bytes, {0x20, 0x02}, 16)) return is_public_v4(v4_at(bytes, 2));
  // Only global unicast is ever public. This one test refuses ::, ::1, the deprecated
  // IPv4-compatible ::/96, unique local fc00::/7, link-local fe80::/10, site-local fec0::/10,
  // multicast ff00::/8, local-use NAT64 64:ff9b:1::/48, discard 100::/64 and SRv6 5f00::/16.
  if (!has_v6_prefix(bytes, {0x20}, 3)) return false;
  // Special-purpose blocks inside 2000::/3. 2001::/23 holds Teredo (whose client address is
  // obfuscated, so it cannot be judged), benchmarking, ORCHID and anycast services.
  if (has_v6_prefix(bytes, {0x20, 0x01, 0x00}, 23)) return false;
  if (has_v6_prefix(bytes, {0x20, 0x01, 0x0d, 0xb8}, 32)) return false;  // documentation
  if (has_v6_prefix(bytes, {0x3f, 0xff}, 20)) return false;              // documentation
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// One part of an inet_aton address: "0x" hex, leading-0 octal, or decimal. nullopt when the
// part is empty, has a digit outside its base, or exceeds 32 bits.
std::optional<std::uint32_t> parse_v4_part(std::string_view part) {
  if (part.empty()) return std::nullopt;
  std::uint64_t base = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);  // "0x" alone is 0, as in browsers (glibc refuses it; either way a
                            // host ending in it is refused by parse_webhook_url).
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (const char c : part) {
    int digit = -1;
    if (base == 16 && is_hex_digit(c)) digit = hex_value(c);
    if (base != 16 && is_digit(c)) digit = c - '0';
    if (digit < 0 || static_cast<std::uint64_t>(digit) >= base) return std::nullopt;
    value = value * base + static_cast<std::uint64_t>(digit);
    if (value > 0xffffffffu) return std::nullopt;  // Also stops overflow on long inputs.
  }
  return static_cast<std::uint32_t>(value);
}

// inet_aton: "a.b.c.d", "a.b.c" (c is 16 bits), "a.b" (b is 24 bits), "a" (32 bits).
std::optional<std::uint32_t> parse_v4(std::string_view host) {
  std::array<std::uint32_t, 4> parts{};
  std::size_t count = 0;
  for (;;) {
    const std::size_t dot = host.find('.');
    if (count == parts.size()) return std::nullopt;
    const std::optional<std::uint32_t> part = parse_v4_part(host.substr(0, dot));
    if (!part) return std::nullopt;
    parts[count++] = *part;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  for (std::size_t i = 0; i + 1 < count; ++i) {
    if (parts[i] > 0xff) return std::nullopt;
  }
  const std::uint32_t last = parts[count - 1];
  const int last_bits = 32 - 8 * static_cast<int>(count - 1);
  if (last_bits < 32 && last >= (std::uint32_t{1} << last_bits)) return std::nullopt;
  std::uint32_t value = last;
  for (std::size_t i = 0; i + 1 < count; ++i) value |= parts[i] << (24 - 8 * i);
  return value;
}

std::optional<address_v6> parse_v6(std::string_view host) {
  // The zone id would be honoured by make_address_v6 and would make a link-local target
  // reachable; it has no place in a webhook URL.
  if (host.empty() || host.size() > kMaxHostLength || host.find('%') != std::string_view::npos) {
    return std::nullopt;
  }
  if (host.find(':') == std::string_view::npos) return std::nullopt;
  std::array<char, kMaxHostLength + 1> text{};  // No allocation: this runs under noexcept.
  host.copy(text.data(), host.size());
  boost::system::error_code error;
  const address_v6 parsed = boost::asio::ip::make_address_v6(text.data(), error);
  if (error) return std::nullopt;
  return parsed;
}

// WHATWG URL's "ends in a number": a last label of digits or 0x-hex makes the host an IPv4
// address that must parse, rather than a name a resolver might read either way.
bool ends_in_number(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const std::size_t dot = host.rfind('.');
  const std::string_view label = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (label.empty()) return false;
  bool all_digits = true;
  for (const char c : label) all_digits = all_digits && is_digit(c);
  if (all_digits) return true;
  if (label.size() < 2 || label[0] != '0' || to_lower(label[1]) != 'x') return false;
  for (const char c : label.substr(2)) {
    if (!is_hex_digit(c)) return false;
  }
  return true;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Names that by convention or standard resolve inside the host or its network.
bool is_private_name(std::string_view name) {
  if (name.find('.') == std::string_view::npos) return true;  // "localhost", "metadata", ...
  if (name == "localhost") return true;
  for (const std::string_view suffix :
       {".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".lan"}) {
    if (ends_with(name, suffix)) return true;
  }
  return false;
}

// A DNS host name: labels of letters, digits, '-' and '_' (used by some real services),
// 1..63 bytes each, not starting or ending with '-'.
bool is_valid_host_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxHostLength) return false;
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      const std::string_view label = name.substr(label_start, i - label_start);
      if (label.empty() || label.size() > kMaxLabelLength) return false;
      if (label.front() == '-' || label.back() == '-') return false;
      label_start = i + 1;
      continue;
    }
    const char c = name[i];
    const bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Bytes no URL parser agrees on: whitespace and controls (request splitting), backslash
// (browsers read it as '/', so "http://a.com\@127.0.0.1/" splits two ways) and raw non-ASCII.
bool has_forbidden_byte(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '\\') return true;
  }
  return false;
}

}  // namespace

bool is_public_address(const IpAddress& address) noexcept {
  if (address.is_v4()) return is_public_v4(address.to_v4().to_uint());
  return is_public_v6(address.to_v6());
}

std::optional<IpAddress> parse_ip_literal(std::string_view host) noexcept {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const std::optional<address_v6> v6 = parse_v6(host.substr(1, host.size() - 2));
    if (!v6) return std::nullopt;
    return IpAddress(*v6);
  }
  if (host.find(':') != std::string_view::npos) {
    const std::optional<address_v6> v6 = parse_v6(host);
    if (!v6) return std::nullopt;
    return IpAddress(*v6);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const std::optional<std::uint32_t> ipv4 = parse_v4(host);
  if (!ipv4) return std::nullopt;
  return IpAddress(address_v4(*ipv4));
}

std::variant<WebhookUrl, std::string> parse_webhook_url(std::string_view url, bool allow_private) {
  if (url.empty()) return std::string("url is empty");
  if (url.size() > kMaxUrlLength) return std::string("url is longer than 2048 bytes");
  if (has_forbidden_byte(url)) {
    return std::string("url contains whitespace, a control character, a backslash or non-ASCII");
  }
  if (url.find('#') != std::string_view::npos) return std::string("url has a fragment");

  WebhookUrl result;
  const std::size_t colon = url.find(':');
  if (colon == std::string_view::npos) return std::string("url has no scheme");
  for (const char c : url.substr(0, colon)) result.scheme += to_lower(c);
  if (result.scheme != "http" && result.scheme != "https") {
    return std::string("url scheme must be http or https");
  }
  std::string_view rest = url.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return std::string("url has no host (expected scheme://host)");
  rest.remove_prefix(2);

  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return std::string("url must not contain credentials (user:password@)");
  }

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string("url has an unclosed '[' in its host");
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::string("url has text after its IPv6 host");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const std::size_t port_colon = authority.find(':');
    host = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(port_colon + 1);
    }
  }
  if (host.empty()) return std::string("url has no host");

  result.port = result.scheme == "https" ? 443 : 80;
  if (has_port) {
    std::uint32_t port = 0;
    bool valid = !port_text.empty() && port_text.size() <= 5;
    for (const char c : port_text) {
      valid = valid && is_digit(c);
      if (valid) port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (!valid || port == 0 || port > 65535) return std::string("url port must be 1..65535");
    result.port = static_cast<std::uint16_t>(port);
  }

  std::string lower_host;
  for (const char c : host) lower_host += to_lower(c);
  if (const std::optional<IpAddress> ip = parse_ip_literal(lower_host)) {
    if (!allow_private && !is_public_address(*ip)) {
      return std::string(
          "url host is a loopback, private, link-local or reserved address (not allowed)");
    }
    result.host = ip->to_string();
  } else {
    if (lower_host.front() == '[') {
      return std::string("url host is not a valid IPv6 address (zone ids are not allowed)");
    }
    if (ends_in_number(lower_host)) {
      return std::string("url host ends in a number but is not a valid IPv4 address");
    }
    if (lower_host.back() == '.') lower_host.pop_back();
    if (!is_valid_host_name(lower_host)) return std::string("url host is not a valid host name");
    if (!allow_private && is_private_name(lower_host)) {
      return std::string("url host is a local or internal name (not allowed)");
    }
    result.host = std::move(lower_host);
  }

  result.target = target.empty() || target.front() == '?' ? "/" : "";
  result.target += target;
  return result;
}

}  // namespace inventory::server
