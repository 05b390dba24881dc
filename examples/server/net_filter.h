// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The webhook target filter: which URLs a subscription may register and which addresses a
// delivery may connect to. A webhook makes the server send requests on a caller's behalf, so
// without this filter any API key with webhook rights could reach the loopback admin ports,
// the private network and the cloud metadata service (169.254.169.254) of the host: the
// classic server-side request forgery. Checking the URL at registration is not enough on its
// own, because a public name can resolve to a private address (or change its answer later,
// DNS rebinding), so the server also checks every resolved address with is_public_address()
// right before it connects. Pure functions: no IO, no DNS, thread-safe.
#ifndef INVENTORY_SERVER_NET_FILTER_H_
#define INVENTORY_SERVER_NET_FILTER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/ip/address.hpp>

namespace inventory::server {

// True only for a public unicast address that a webhook may target. Refuses:
//   IPv4: 0/8 (incl. unspecified 0.0.0.0), 10/8, 100.64/10 (CGNAT), 127/8, 169.254/16,
//         172.16/12, 192.0.0/24 (IETF), 192.0.2/24, 192.31.196/24, 192.52.193/24,
//         192.88.99/24, 192.168/16, 192.175.48/24, 198.18/15, 198.51.100/24, 203.0.113/24,
//         224/4 (multicast), 240/4 (reserved, incl. 255.255.255.255).
//   IPv6: everything outside global unicast 2000::/3 (so ::, ::1, the deprecated
//         IPv4-compatible ::/96, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 64:ff9b:1::/48,
//         100::/64, 5f00::/16 ...), 2001::/23 (IETF protocol assignments: Teredo,
//         benchmarking, ORCHID ...), 2001:db8::/32 and 3fff::/20 (documentation), and any
//         address with a scope (zone) id. IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96 and
//         6to4 2002::/16 are judged by the IPv4 address they embed.
bool is_public_address(const boost::asio::ip::address& address) noexcept;

// Parses an IP literal the way resolvers do (glibc inet_aton, which getaddrinfo tries before
// DNS), because a webhook client hands the host to the resolver and "0x7f.1" reaches
// 127.0.0.1 just as surely as "127.0.0.1" does. IPv4: one to four parts separated by dots,
// each decimal, octal (leading 0) or hex (0x), the last part filling the remaining bytes
// ("127.1", "127.0.1", "2130706433", "0177.0.0.1", "0x7f000001"); one trailing dot is
// ignored, as browsers do. IPv6: as inet_pton, with or without [brackets]; a zone id
// ("fe80::1%eth0") is refused. nullopt when `host` is not an IP literal (a DNS name) or is a
// malformed one.
std::optional<boost::asio::ip::address> parse_ip_literal(std::string_view host) noexcept;

// A webhook URL split into what an HTTP client needs.
struct WebhookUrl {
  std::string scheme;  // "http" or "https"
  // Lower case, trailing dot removed. An IP literal in any accepted form is rewritten to its
  // canonical text ("0x7f000001" -> "127.0.0.1"); IPv6 has no brackets (add them for Host).
  std::string host;
  std::uint16_t port = 0;  // 80 or 443 when the URL has none
  std::string target;      // path and query, "/" when the URL has no path
};

// Validates a webhook URL at registration: scheme http or https only, a host, no userinfo
// (user:pass@), no fragment, no whitespace, control characters, backslashes or non-ASCII
// bytes, port 1..65535 (default 80/443), length <= 2048. A host that is an IP literal in any
// form parse_ip_literal() accepts must be public unless `allow_private`; a host whose last
// label is a number but is not a valid IPv4 literal ("1.2.3.256", "0x7f.0.0.1x") is always
// refused, since resolvers and browsers disagree about it. Host names must be ASCII letters,
// digits, '-', '_' and dots; "localhost", "*.localhost", "*.local", "*.localdomain",
// "*.internal", "*.home.arpa", "*.lan" and names without a dot are refused unless
// `allow_private`. A public name can still resolve to a private address: the connect-time
// check with is_public_address() is what catches that.
// Returns the parsed URL, or a message for the API's error object (field "url").
std::variant<WebhookUrl, std::string> parse_webhook_url(std::string_view url, bool allow_private);

}  // namespace inventory::server

#endif  // INVENTORY_SERVER_NET_FILTER_H_
