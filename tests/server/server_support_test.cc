// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Goal: the webhook filter refuses every spelling of a loopback, private, link-local or
// reserved target that a resolver would accept, still accepts public ones, and the webhook
// signatures match an independent implementation. Method: a corpus of refused hosts, each
// checked both as an IP literal (parse_ip_literal + is_public_address) and inside a URL
// (parse_webhook_url); public addresses and the edges of each refused range; URL rule cases;
// HMAC and SHA-256 known answers (RFC 4231, Python's hmac module). Nothing here touches the
// network: addresses are only parsed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/ip/address.hpp>
#include <doctest/doctest.h>

#include "net_filter.h"
#include "signing.h"

namespace inventory::server {

namespace {

// How a refused corpus entry must be refused.
enum class Kind {
  kLiteral,     // parse_ip_literal accepts it and is_public_address says no
  kName,        // not an IP literal; the name rules refuse it
  kNotLiteral,  // a malformed or zoned literal: parse_ip_literal refuses it outright
};

struct RefusedHost {
  std::string_view host;
  Kind kind;
};

constexpr RefusedHost kRefused[] = {
    // IPv4 loopback in every inet_aton spelling.
    {"127.0.0.1", Kind::kLiteral},
    {"127.255.255.254", Kind::kLiteral},
    {"127.0.0.1.", Kind::kLiteral},
    {"127.1", Kind::kLiteral},
    {"127.0.1", Kind::kLiteral},
    {"2130706433", Kind::kLiteral},
    {"0177.0.0.1", Kind::kLiteral},
    {"0177.1", Kind::kLiteral},
    {"017700000001", Kind::kLiteral},
    {"0x7f.0.0.1", Kind::kLiteral},
    {"0x7F.1", Kind::kLiteral},
    {"0x7f000001", Kind::kLiteral},
    // Unspecified and "this network".
    {"0.0.0.0", Kind::kLiteral},
    {"0", Kind::kLiteral},
    {"0.0", Kind::kLiteral},
    {"0x0", Kind::kLiteral},
    {"0.1.2.3", Kind::kLiteral},
    // Private.
    {"10.0.0.1", Kind::kLiteral},
    {"10.1", Kind::kLiteral},
    {"167772161", Kind::kLiteral},
    {"012.0.0.1", Kind::kLiteral},
    {"0xa.0.0.1", Kind::kLiteral},
    {"172.16.0.1", Kind::kLiteral},
    {"172.31.255.255", Kind::kLiteral},
    {"192.168.0.1", Kind::kLiteral},
    {"3232235521", Kind::kLiteral},
    {"0300.0250.0.1", Kind::kLiteral},
    {"0xc0a80001", Kind::kLiteral},
    {"0xc0.0xa8.1", Kind::kLiteral},
    // Link-local, above all the cloud metadata service.
    {"169.254.169.254", Kind::kLiteral},
    {"169.254.0.1", Kind::kLiteral},
    {"0xa9.0xfe.0xa9.0xfe", Kind::kLiteral},
    {"0xA9FEA9FE", Kind::kLiteral},
    {"2852039166", Kind::kLiteral},
    {"0251.0376.0251.0376", Kind::kLiteral},
    {"169.254.43518", Kind::kLiteral},
    // Special-purpose IPv4.
    {"100.64.0.1", Kind::kLiteral},       // CGNAT
    {"100.127.255.254", Kind::kLiteral},  // CGNAT
    {"192.0.0.170", Kind::kLiteral},      // IETF
    {"192.0.2.1", Kind::kLiteral},        // documentation
    {"198.51.100.7", Kind::kLiteral},     // documentation
    {"203.0.113.9", Kind::kLiteral},      // documentation
    {"198.18.0.1", Kind::kLiteral},       // benchmarking
    {"198.19.255.255", Kind::kLiteral},   // benchmarking
    {"224.0.0.1", Kind::kLiteral},        // multicast
    {"239.255.255.250", Kind::kLiteral},  // multicast (SSDP)
    {"240.0.0.1", Kind::kLiteral},        // reserved
    {"255.255.255.255", Kind::kLiteral},  // broadcast
    {"4294967295", Kind::kLiteral},       // broadcast, decimal
    // IPv6 loopback and unspecified.
    {"::1", Kind::kLiteral},
    {"[::1]", Kind::kLiteral},
    {"0:0:0:0:0:0:0:1", Kind::kLiteral},
    {"::", Kind::kLiteral},
    {"[::]", Kind::kLiteral},
    // IPv4 embedded in IPv6.
    {"::ffff:127.0.0.1", Kind::kLiteral},
    {"::ffff:7f00:1", Kind::kLiteral},
    {"[::ffff:7f00:1]", Kind::kLiteral},
    {"::ffff:10.0.0.1", Kind::kLiteral},
    {"::ffff:169.254.169.254", Kind::kLiteral},
    {"::ffff:a9fe:a9fe", Kind::kLiteral},
    {"::127.0.0.1", Kind::kLiteral},         // deprecated IPv4-compatible
    {"::ffff:0:7f00:1", Kind::kLiteral},     // SIIT IPv4-translated
    {"64:ff9b::127.0.0.1", Kind::kLiteral},  // NAT64
    {"64:ff9b::a9fe:a9fe", Kind::kLiteral},  // NAT64
    {"64:ff9b:1::808:808", Kind::kLiteral},  // local-use NAT64
    {"2002:7f00:1::1", Kind::kLiteral},      // 6to4 of 127.0.0.1
    {"2002:a9fe:a9fe::", Kind::kLiteral},    // 6to4 of 169.254.169.254
    {"2002:c0a8:101::1", Kind::kLiteral},    // 6to4 of 192.168.1.1
    // Other non-public IPv6.
    {"fc00::1", Kind::kLiteral},
    {"fd12::1", Kind::kLiteral},
    {"fd00:ec2::254", Kind::kLiteral},  // AWS metadata over IPv6
    {"fe80::1", Kind::kLiteral},
    {"[FE80::1]", Kind::kLiteral},
    {"febf:ffff::1", Kind::kLiteral},
    {"fec0::1", Kind::kLiteral},
    {"ff02::1", Kind::kLiteral},
    {"ff05::1:3", Kind::kLiteral},
    {"2001:db8::1", Kind::kLiteral},
    {"3fff::1", Kind::kLiteral},
    {"2001::1", Kind::kLiteral},    // Teredo
    {"2001:2::1", Kind::kLiteral},  // benchmarking
    {"100::1", Kind::kLiteral},     // discard-only
    {"5f00::1", Kind::kLiteral},    // SRv6
    // Zone ids and malformed numeric hosts.
    {"fe80::1%eth0", Kind::kNotLiteral},
    {"[fe80::1%25eth0]", Kind::kNotLiteral},
    {"[127.0.0.1]", Kind::kNotLiteral},
    {"1.2.3.256", Kind::kNotLiteral},
    {"127.0.0.1.1", Kind::kNotLiteral},
    {"4294967296", Kind::kNotLiteral},
    {"08.0.0.1", Kind::kNotLiteral},
    {"0xA9FE.0xA9FE", Kind::kNotLiteral},  // a non-last part over 255

    {"%31%32%37.0.0.1", Kind::kNotLiteral},
    // Local names.
    {"localhost", Kind::kName},
    {"LOCALHOST.", Kind::kName},
    {"foo.localhost", Kind::kName},
    {"printer.local", Kind::kName},
    {"metadata.google.internal", Kind::kName},
    {"metadata", Kind::kName},
    {"host.localdomain", Kind::kName},
    {"nas.home.arpa", Kind::kName},
    {"router.lan", Kind::kName},
};

// Brackets an IPv6 literal for a URL (a bare "::1" is not a valid URL host).
std::string url_for(std::string_view host) {
  std::string url = "http://";
  const bool bare_v6 = host.find(':') != std::string_view::npos && host.front() != '[';
  if (bare_v6) url += '[';
  url += host;
  if (bare_v6) url += ']';
  return url + "/hook";
}

const WebhookUrl* parsed_url(const std::variant<WebhookUrl, std::string>& result) {
  return std::get_if<WebhookUrl>(&result);
}

bool is_public_literal(std::string_view host) {
  const std::optional<boost::asio::ip::address> address = parse_ip_literal(host);
  return address && is_public_address(*address);
}

std::string literal_text(std::string_view host) {
  const std::optional<boost::asio::ip::address> address = parse_ip_literal(host);
  return address ? address->to_string() : "nullopt";
}

}  // namespace

TEST_SUITE("server/net_filter") {
  TEST_CASE("every spelling of a non-public target is refused as a literal and in a URL") {
    std::size_t refused = 0;
    for (const RefusedHost& entry : kRefused) {
      INFO("host: ", std::string(entry.host));
      const std::optional<boost::asio::ip::address> address = parse_ip_literal(entry.host);
      bool ok = true;
      switch (entry.kind) {
        case Kind::kLiteral:
          ok = address.has_value() && !is_public_address(*address);
          break;
        case Kind::kName:
        case Kind::kNotLiteral:
          ok = !address.has_value();
          break;
      }
      CHECK(ok);
      const auto result = parse_webhook_url(url_for(entry.host), false);
      const auto* error = std::get_if<std::string>(&result);
      CHECK(error != nullptr);
      if (error != nullptr) CHECK(!error->empty());
      if (ok && error != nullptr) ++refused;
    }
    const std::size_t total = std::size(kRefused);
    CHECK(total >= 60);
    MESSAGE("address filter: ", refused, " of ", total, " refused");
    CHECK(refused == total);
  }

  TEST_CASE("inet_aton spellings parse to the address a resolver would use") {
    CHECK(literal_text("127.1") == "127.0.0.1");
    CHECK(literal_text("127.0.1") == "127.0.0.1");
    CHECK(literal_text("2130706433") == "127.0.0.1");
    CHECK(literal_text("0177.0.0.1") == "127.0.0.1");
    CHECK(literal_text("017700000001") == "127.0.0.1");
    CHECK(literal_text("0x7f.0.0.1") == "127.0.0.1");
    CHECK(literal_text("0x7f000001") == "127.0.0.1");
    CHECK(literal_text("0300.0250.0.1") == "192.168.0.1");
    CHECK(literal_text("169.254.43518") == "169.254.169.254");
    CHECK(literal_text("1.2.65535") == "1.2.255.255");
    CHECK(literal_text("1.16777215") == "1.255.255.255");
    CHECK(literal_text("[::1]") == "::1");
    CHECK(literal_text("::ffff:7f00:1") == "::ffff:127.0.0.1");

    // Out of range for their position, too many parts, bad digits, not literals at all.
    CHECK(literal_text("1.2.65536") == "nullopt");
    CHECK(literal_text("1.16777216") == "nullopt");
    CHECK(literal_text("256.0.0.1") == "nullopt");
    CHECK(literal_text("1.2.3.4.5") == "nullopt");
    CHECK(literal_text("4294967296") == "nullopt");
    CHECK(literal_text("99999999999999999999999") == "nullopt");
    CHECK(literal_text("09") == "nullopt");
    CHECK(literal_text("0xg") == "nullopt");
    CHECK(literal_text("1..2") == "nullopt");
    CHECK(literal_text(".1") == "nullopt");
    CHECK(literal_text("") == "nullopt");
    CHECK(literal_text("[]") == "nullopt");
    CHECK(literal_text("[::1") == "nullopt");
    CHECK(literal_text("::1]") == "nullopt");
    CHECK(literal_text("[127.0.0.1]") == "nullopt");
    CHECK(literal_text("fe80::1%eth0") == "nullopt");
    CHECK(literal_text("fe80::1%1") == "nullopt");
    CHECK(literal_text("1:2:3:4:5:6:7:8:9") == "nullopt");
    CHECK(literal_text("example.com") == "nullopt");
    CHECK(literal_text("1e100.net") == "nullopt");
  }

  TEST_CASE("public addresses, and the first address past each refused range, are accepted") {
    for (const std::string_view host : {"8.8.8.8",
                                        "1.1.1.1",
                                        "134744072",
                                        "2606:4700:4700::1111",
                                        "[2606:4700:4700::1111]",
                                        "2a00:1450:4001:80b::200e",
                                        "::ffff:8.8.8.8",
                                        "64:ff9b::8.8.8.8",
                                        "2002:808:808::1",
                                        "9.255.255.255",
                                        "11.0.0.0",
                                        "100.63.255.255",
                                        "100.128.0.0",
                                        "126.255.255.255",
                                        "128.0.0.0",
                                        "169.253.255.255",
                                        "169.255.0.0",
                                        "172.15.255.255",
                                        "172.32.0.0",
                                        "192.0.1.255",
                                        "192.0.3.0",
                                        "192.167.255.255",
                                        "192.169.0.0",
                                        "198.17.255.255",
                                        "198.20.0.0",
                                        "223.255.255.255",
                                        "2001:200::1",
                                        "2001:db9::1",
                                        "3ffe::1"}) {
      INFO("host: ", std::string(host));
      CHECK(is_public_literal(host));
      CHECK(parsed_url(parse_webhook_url(url_for(host), false)) != nullptr);
    }
    for (const std::string_view host :
         {"example.com", "hooks.example.com", "EXAMPLE.org.", "a_b.io"}) {
      INFO("host: ", std::string(host));
      CHECK(!parse_ip_literal(host).has_value());
      CHECK(parsed_url(parse_webhook_url(url_for(host), false)) != nullptr);
    }
  }

  TEST_CASE("a zone id or scope makes an IPv6 address non-public") {
    boost::asio::ip::address_v6 scoped = boost::asio::ip::make_address_v6("2606:4700:4700::1111");
    CHECK(is_public_address(scoped));
    scoped.scope_id(2);
    CHECK(!is_public_address(scoped));
  }

  TEST_CASE("webhook URLs are split into scheme, host, port and target") {
    SUBCASE("explicit port and query") {
      const auto result = parse_webhook_url("http://example.com:8443/x?y=1", false);
      const WebhookUrl* url = parsed_url(result);
      REQUIRE(url != nullptr);
      CHECK(url->scheme == "http");
      CHECK(url->host == "example.com");
      CHECK(url->port == 8443);
      CHECK(url->target == "/x?y=1");
    }
    SUBCASE("defaults: https port 443, target /, host lowered and trailing dot removed") {
      const auto result = parse_webhook_url("HTTPS://Hooks.Example.COM.", false);
      const WebhookUrl* url = parsed_url(result);
      REQUIRE(url != nullptr);
      CHECK(url->scheme == "https");
      CHECK(url->host == "hooks.example.com");
      CHECK(url->port == 443);
      CHECK(url->target == "/");
    }
    SUBCASE("query without a path, http default port") {
      const auto result = parse_webhook_url("http://example.com?y=1", false);
      const WebhookUrl* url = parsed_url(result);
      REQUIRE(url != nullptr);
      CHECK(url->port == 80);
      CHECK(url->target == "/?y=1");
    }
    SUBCASE("IP literals are rewritten to the address that will be connected to") {
      const auto v4 = parse_webhook_url("http://134744072:65535/", false);
      REQUIRE(parsed_url(v4) != nullptr);
      CHECK(parsed_url(v4)->host == "8.8.8.8");
      CHECK(parsed_url(v4)->port == 65535);
      const auto v6 = parse_webhook_url("https://[2606:4700:4700:0::1111]:1/h", false);
      REQUIRE(parsed_url(v6) != nullptr);
      CHECK(parsed_url(v6)->host == "2606:4700:4700::1111");
      CHECK(parsed_url(v6)->port == 1);
    }
    SUBCASE("the longest allowed URL") {
      const std::string base = "https://example.com/";
      const std::string url = base + std::string(2048 - base.size(), 'a');
      CHECK(parsed_url(parse_webhook_url(url, false)) != nullptr);
      CHECK(parsed_url(parse_webhook_url(url + "a", false)) == nullptr);
    }
  }

  TEST_CASE("webhook URLs that break a rule are refused with a message") {
    for (const std::string_view url : {
             "",
             "ftp://example.com/hook",
             "file:///etc/passwd",
             "gopher://example.com:70/_GET",
             "javascript:alert(1)",
             "ws://example.com/",
             "example.com/hook",
             "//example.com/hook",
             "http:example.com",
             "http:/example.com",
             "http://",
             "http:///hook",
             "http://:80/hook",
             "http://user:pass@example.com/hook",
             "http://user@example.com/hook",
             "http://example.com@127.0.0.1/hook",
             "http://example.com:0/hook",
             "http://example.com:65536/hook",
             "http://example.com:123456/hook",
             "http://example.com:-1/hook",
             "http://example.com:abc/hook",
             "http://example.com:/hook",
             "http://example.com:80:80/hook",
             "http://example.com/hook#fragment",
             "http://example.com/a b",
             "http://example.com/\r\nX-Injected: 1",
             "http://exa mple.com/",
             "http://example.com\\@127.0.0.1/",
             "http://ex\xc3\xa4mple.com/",
             "http://ex%61mple.com/",
             "http://-bad-.example.com/",
             "http://a..b.com/",
             "http://[::1/hook",
             "http://[::1]x/hook",
             "http://[v1.future]/hook",
             "http://[2606:4700:4700::1111%25eth0]/hook",
         }) {
      INFO("url: ", std::string(url));
      const auto result = parse_webhook_url(url, false);
      const auto* error = std::get_if<std::string>(&result);
      REQUIRE(error != nullptr);
      CHECK(!error->empty());
    }
  }

  TEST_CASE("allow_private admits local targets but not other rule breaks") {
    const auto loopback = parse_webhook_url("http://127.0.0.1:9000/hook", true);
    REQUIRE(parsed_url(loopback) != nullptr);
    CHECK(parsed_url(loopback)->host == "127.0.0.1");
    CHECK(parsed_url(loopback)->port == 9000);
    CHECK(parsed_url(loopback)->target == "/hook");
    CHECK(parsed_url(parse_webhook_url("http://127.0.0.1:9000/hook", false)) == nullptr);
    CHECK(parsed_url(parse_webhook_url("http://localhost:9000/", true)) != nullptr);
    CHECK(parsed_url(parse_webhook_url("http://[::1]:9000/", true)) != nullptr);
    const auto hex = parse_webhook_url("http://0x7f000001/", true);
    REQUIRE(parsed_url(hex) != nullptr);
    CHECK(parsed_url(hex)->host == "127.0.0.1");
    CHECK(parsed_url(parse_webhook_url("ftp://127.0.0.1/", true)) == nullptr);
    CHECK(parsed_url(parse_webhook_url("http://user@127.0.0.1/", true)) == nullptr);
    CHECK(parsed_url(parse_webhook_url("http://[fe80::1%25eth0]/", true)) == nullptr);
    CHECK(parsed_url(parse_webhook_url("http://1.2.3.256/", true)) == nullptr);
  }
}

TEST_SUITE("server/signing") {
  TEST_CASE("SHA-256 and HMAC-SHA256 match known answers") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // RFC 4231 test case 2.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // RFC 4231 test case 6: a key longer than the block size is hashed first.
    CHECK(hmac_sha256_hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    CHECK(hmac_sha256_hex("", "").size() == 64);
  }

  // Expected value from Python, independently of OpenSSL:
  //   python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",
  //               b"1700000000.{\"sequence\":1}",hashlib.sha256).hexdigest())'
  constexpr std::string_view kBody = "{\"sequence\":1}";
  constexpr std::string_view kHeader =
      "t=1700000000,v1=506b0af5c21bf33a1429cd4e619e008b729a2a89f256c29a1a834a3dfac6ae79";

  TEST_CASE("the signature header matches an independent HMAC") {
    CHECK(signature_header("whsec_test", 1700000000, kBody) == kHeader);
  }

  TEST_CASE("verify_signature accepts the sender's header and nothing else") {
    constexpr std::int64_t kT = 1700000000;
    CHECK(verify_signature(kHeader, "whsec_test", kBody, kT));
    CHECK(verify_signature(kHeader, "whsec_test", kBody, kT + 300));
    CHECK(verify_signature(kHeader, "whsec_test", kBody, kT - 300));
    CHECK(verify_signature(" t=1700000000 , v1=0000, v1=" + std::string(kHeader.substr(16)),
                           "whsec_test", kBody, kT));  // spaces; a second (rotated) v1

    CHECK(!verify_signature(kHeader, "whsec_test", "{\"sequence\":2}", kT));  // tampered body
    CHECK(!verify_signature(kHeader, "whsec_test", kBody, kT + 301));         // stale
    CHECK(!verify_signature(kHeader, "whsec_test", kBody, kT - 301));         // from the future
    CHECK(!verify_signature(kHeader, "whsec_other", kBody, kT));              // wrong secret
    CHECK(!verify_signature(kHeader, "whsec_test", kBody, kT, -1));
    const std::string v1 = std::string(kHeader.substr(13));                   // "v1=<hex>"
    CHECK(!verify_signature("t=1700000001," + v1, "whsec_test", kBody, kT));  // other t
    CHECK(!verify_signature("", "whsec_test", kBody, kT));
    CHECK(!verify_signature("t=abc," + v1, "whsec_test", kBody, kT));
    CHECK(!verify_signature("t=-1700000000," + v1, "whsec_test", kBody, kT));
    CHECK(!verify_signature("t=,v1=", "whsec_test", kBody, kT));
    CHECK(!verify_signature(v1, "whsec_test", kBody, kT));              // no t
    CHECK(!verify_signature("t=1700000000", "whsec_test", kBody, kT));  // no v1
    CHECK(!verify_signature("t=1700000000,t=1700000000," + v1, "whsec_test", kBody, kT));
    CHECK(!verify_signature(std::string(kHeader) + ",garbage", "whsec_test", kBody, kT));
    CHECK(!verify_signature("t=99999999999999999999," + v1, "whsec_test", kBody, kT));
    std::string upper = std::string(kHeader);
    for (char& c : upper) c = c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c;
    CHECK(!verify_signature(upper, "whsec_test", kBody, kT));  // the hex is lower case
  }

  TEST_CASE("constant_time_equal and random_hex") {
    CHECK(constant_time_equal("", ""));
    CHECK(constant_time_equal("abc", "abc"));
    CHECK(!constant_time_equal("abc", "abd"));
    CHECK(!constant_time_equal("abc", "abcd"));
    CHECK(!constant_time_equal("", "a"));
    CHECK(random_hex(0).empty());
    const std::string a = random_hex(16);
    const std::string b = random_hex(16);
    CHECK(a.size() == 32);
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(a != b);
  }
}

}  // namespace inventory::server
