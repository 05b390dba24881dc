// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Little-endian fixed-width and varint encoding for journal records and checkpoints.
//
// Writer appends to a std::string. Reader never trusts its input: every read checks the bytes
// left and a failed read leaves the Reader in a failed state (ok() false) and returns zeros,
// so decoders can read a whole structure and check ok() once at the end.

#ifndef INVENTORY_UTIL_CODING_H_
#define INVENTORY_UTIL_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace inventory::coding {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void u8(std::uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void fixed32(std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_->append(b, 4);
  }
  void fixed64(std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_->append(b, 8);
  }
  void varint(std::uint64_t v) {
    char b[10];
    int n = 0;
    while (v >= 0x80) {
      b[n++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    b[n++] = static_cast<char>(v);
    out_->append(b, static_cast<std::size_t>(n));
  }
  // Zig-zag, so that small negative numbers stay short.
  void svarint(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void bytes(std::string_view s) {
    varint(s.size());
    out_->append(s.data(), s.size());
  }
  void boolean(bool b) { u8(b ? 1 : 0); }
  std::size_t size() const { return out_->size(); }
  std::string* out() { return out_; }

 private:
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  bool ok() const { return ok_; }
  bool done() const { return p_ == end_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  void fail() {
    ok_ = false;
    p_ = end_;
  }

  std::uint8_t u8() {
    if (left() < 1) return fail(), 0;
    return static_cast<std::uint8_t>(*p_++);
  }
  std::uint32_t fixed32() {
    if (left() < 4) return fail(), 0;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<unsigned char>(p_[i])} << (8 * i);
    p_ += 4;
    return v;
  }
  std::uint64_t fixed64() {
    if (left() < 8) return fail(), 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(p_[i])} << (8 * i);
    p_ += 8;
    return v;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (left() < 1) return fail(), 0;
      const auto byte = static_cast<unsigned char>(*p_++);
      v |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return v;
    }
    return fail(), 0;  // More than 10 bytes: malformed.
  }
  std::int64_t svarint() {
    const std::uint64_t v = varint();
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  // A length-prefixed string of at most `max` bytes.
  std::string_view bytes(std::size_t max = SIZE_MAX) {
    const std::uint64_t n = varint();
    if (!ok_ || n > left() || n > max) return fail(), std::string_view();
    std::string_view s(p_, static_cast<std::size_t>(n));
    p_ += n;
    return s;
  }
  bool boolean() {
    const std::uint8_t b = u8();
    if (b > 1) fail();
    return b == 1;
  }
  // A count that must fit in what is left, `unit` bytes per element at least.
  std::uint64_t count(std::uint64_t max, std::size_t unit = 1) {
    const std::uint64_t n = varint();
    if (!ok_ || n > max || n > left() / (unit == 0 ? 1 : unit)) return fail(), 0;
    return n;
  }
  std::string_view rest() {
    std::string_view s(p_, left());
    p_ = end_;
    return s;
  }

 private:
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

}  // namespace inventory::coding

#endif  // INVENTORY_UTIL_CODING_H_
