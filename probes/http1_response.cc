#include "probes/http1_response.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace latencyd::probes {
namespace {

// A chunk-size line is a few hex digits and perhaps an extension; anything longer is a server
// that feeds bytes without end, not a chunk.
constexpr std::size_t kMaxChunkSizeLine = 4096;
// After a chunk's data comes CR LF and nothing else; more means the chunk's size was a lie.
constexpr std::size_t kMaxChunkEndLine = 0;
// Hex digits of a chunk size; more would overflow 64 bits.
constexpr std::size_t kMaxChunkSizeDigits = 15;

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// The last element of a comma-separated list ("gzip, chunked" -> "chunked").
std::string_view LastListElement(std::string_view list) {
  const std::size_t comma = list.rfind(',');
  return Trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Http1Response::Outcome Http1Response::Feed(std::string_view bytes) {
  while (outcome_ == Outcome::kNeedMore && state_ != State::kDone) {
    bool progressed = false;
    switch (state_) {
      case State::kHead:
        progressed = ReadHead(bytes);
        break;
      case State::kFixedBody:
        progressed = ReadFixedBody(bytes);
        break;
      case State::kChunkSize:
        progressed = ReadChunkSize(bytes);
        break;
      case State::kChunkData:
        progressed = ReadChunkData(bytes);
        break;
      case State::kChunkDataEnd:
        progressed = ReadChunkDataEnd(bytes);
        break;
      case State::kTrailers:
        progressed = ReadTrailers(bytes);
        break;
      case State::kUntilClose:
        AddBody(bytes);
        bytes = {};
        break;
      case State::kDone:
        break;
    }
    if (!progressed && bytes.empty()) break;
  }
  if (state_ == State::kDone && outcome_ == Outcome::kNeedMore) outcome_ = Outcome::kComplete;
  return outcome_;
}

Http1Response::Outcome Http1Response::FeedEnd() {
  if (outcome_ != Outcome::kNeedMore) return outcome_;
  if (state_ == State::kUntilClose) {
    state_ = State::kDone;
    outcome_ = Outcome::kComplete;
  } else if (state_ == State::kHead && head_bytes_ == 0) {
    Fail(Outcome::kMalformed, "connection closed before any response");
  } else if (state_ == State::kHead) {
    Fail(Outcome::kMalformed, "connection closed within the response head");
  } else {
    Fail(Outcome::kMalformed, "connection closed after " + std::to_string(body_bytes_) +
                                  " body bytes, before the body ended");
  }
  return outcome_;
}

bool Http1Response::TakeLine(std::string_view& bytes, std::size_t max_line, bool counts_as_head,
                             std::string& line) {
  const std::size_t newline = bytes.find('\n');
  const std::size_t take = newline == std::string_view::npos ? bytes.size() : newline + 1;
  if (counts_as_head) {
    head_bytes_ += take;
    if (head_bytes_ > limits_.max_head_bytes) {
      Fail(Outcome::kHeadTooLarge,
           "response headers larger than " + std::to_string(limits_.max_head_bytes) + " bytes");
      return false;
    }
  } else if (line_.size() + take > max_line + 2) {  // max_line excludes the CR LF
    Fail(Outcome::kMalformed, state_ == State::kChunkDataEnd
                                  ? "chunk data longer than its declared size"
                                  : "chunk size line too long");
    return false;
  }
  line_.append(bytes.substr(0, take));
  bytes.remove_prefix(take);
  if (newline == std::string_view::npos) return false;
  line_.pop_back();  // LF
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  line.swap(line_);
  line_.clear();
  return true;
}

bool Http1Response::ReadHead(std::string_view& bytes) {
  std::string line;
  if (!TakeLine(bytes, 0, /*counts_as_head=*/true, line)) return false;
  if (!status_line_seen_) {
    // RFC 9112 section 2.2: a client should ignore empty lines before the status line.
    if (line.empty()) return true;
    return ParseStatusLine(line);
  }
  if (line.empty()) {
    EndHead();
    return true;
  }
  return ParseHeaderLine(line);
}

bool Http1Response::ParseStatusLine(const std::string& line) {
  // HTTP/1.1 200 OK: the version, a space, three digits, then an optional space and reason.
  const bool shaped = line.size() >= 12 && line.compare(0, 7, "HTTP/1.") == 0 &&
                      (line[7] == '0' || line[7] == '1') && line[8] == ' ' &&
                      std::isdigit(static_cast<unsigned char>(line[9])) &&
                      std::isdigit(static_cast<unsigned char>(line[10])) &&
                      std::isdigit(static_cast<unsigned char>(line[11])) &&
                      (line.size() == 12 || line[12] == ' ');
  if (!shaped || line[9] == '0') {
    Fail(Outcome::kMalformed, "not an HTTP/1.x status line: \"" +
                                  line.substr(0, std::min<std::size_t>(line.size(), 40)) + "\"");
    return false;
  }
  version_ = line[7] == '0' ? "1.0" : "1.1";
  status_ = std::stoi(line.substr(9, 3));
  status_line_seen_ = true;
  return true;
}

bool Http1Response::ParseHeaderLine(const std::string& line) {
  const std::size_t colon = line.find(':');
  const std::string_view name = std::string_view(line).substr(0, colon);
  if (line[0] == ' ' || line[0] == '\t') {
    Fail(Outcome::kMalformed, "folded header line (obsolete line folding)");
    return false;
  }
  if (colon == std::string::npos || name.empty() ||
      !std::all_of(name.begin(), name.end(), IsTokenChar)) {
    Fail(Outcome::kMalformed, "malformed header line");
    return false;
  }
  const std::string_view value = Trim(std::string_view(line).substr(colon + 1));
  if (EqualsIgnoringCase(name, "Content-Length")) return ParseContentLength(value);
  if (EqualsIgnoringCase(name, "Transfer-Encoding")) {
    // Several Transfer-Encoding lines form one list; only its last coding frames the body.
    chunked_ = EqualsIgnoringCase(LastListElement(value), "chunked");
    other_transfer_coding_ = !chunked_;
  } else if (EqualsIgnoringCase(name, "Location")) {
    location_ = std::string(value);
  } else if (EqualsIgnoringCase(name, "Content-Encoding")) {
    content_encoding_ = std::string(value);
  }
  return true;
}

bool Http1Response::ParseContentLength(std::string_view value) {
  // "42" or, from some proxies, "42, 42": every element must be the same number.
  while (true) {
    const std::size_t comma = value.find(',');
    const std::string_view element = Trim(value.substr(0, comma));
    std::uint64_t length = 0;
    bool valid = !element.empty() && element.size() <= 18;  // fits in 63 bits
    for (char c : element) {
      valid = valid && std::isdigit(static_cast<unsigned char>(c));
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!valid || (has_content_length_ && length != content_length_)) {
      Fail(Outcome::kMalformed, valid ? "conflicting Content-Length values"
                                      : "invalid Content-Length: \"" + std::string(element) + "\"");
      return false;
    }
    has_content_length_ = true;
    content_length_ = length;
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

void Http1Response::EndHead() {
  if (status_ == 101) {
    Fail(Outcome::kMalformed, "101 Switching Protocols to a request that asked for none");
    return;
  }
  if (status_ < 200) {  // an interim response (100 Continue, 103 Early Hints): the next head
    status_line_seen_ = chunked_ = other_transfer_coding_ = has_content_length_ = false;
    location_.clear();
    content_encoding_.clear();
    return;
  }
  if (limits_.head_request || status_ == 204 || status_ == 304) {
    state_ = State::kDone;
  } else if (chunked_) {
    state_ = State::kChunkSize;  // Transfer-Encoding overrides any Content-Length
  } else if (has_content_length_ && !other_transfer_coding_) {
    remaining_ = content_length_;
    state_ = content_length_ == 0 ? State::kDone : State::kFixedBody;
  } else {  // no length, or a transfer coding other than chunked: the close ends the body
    state_ = State::kUntilClose;
  }
}

bool Http1Response::ReadFixedBody(std::string_view& bytes) {
  const std::size_t take =
      static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
  AddBody(bytes.substr(0, take));
  bytes.remove_prefix(take);
  remaining_ -= take;
  if (remaining_ == 0) state_ = State::kDone;
  return take > 0;
}

bool Http1Response::ReadChunkSize(std::string_view& bytes) {
  std::string line;
  if (!TakeLine(bytes, kMaxChunkSizeLine, /*counts_as_head=*/false, line)) return false;
  std::size_t digits = 0;
  std::uint64_t size = 0;
  for (; digits < line.size() && HexValue(line[digits]) >= 0; ++digits) {
    size = size * 16 + static_cast<std::uint64_t>(HexValue(line[digits]));
  }
  const std::string_view rest = Trim(std::string_view(line).substr(digits));
  if (digits == 0 || digits > kMaxChunkSizeDigits || (!rest.empty() && rest[0] != ';')) {
    Fail(Outcome::kMalformed, "invalid chunk size line");
    return false;
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailers : State::kChunkData;
  return true;
}

bool Http1Response::ReadChunkData(std::string_view& bytes) {
  const std::size_t take =
      static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
  AddBody(bytes.substr(0, take));
  bytes.remove_prefix(take);
  remaining_ -= take;
  if (remaining_ == 0) state_ = State::kChunkDataEnd;
  return take > 0;
}

bool Http1Response::ReadChunkDataEnd(std::string_view& bytes) {
  std::string line;
  if (!TakeLine(bytes, kMaxChunkEndLine, /*counts_as_head=*/false, line)) return false;
  if (!line.empty()) {
    Fail(Outcome::kMalformed, "chunk data longer than its declared size");
    return false;
  }
  state_ = State::kChunkSize;
  return true;
}

bool Http1Response::ReadTrailers(std::string_view& bytes) {
  std::string line;
  if (!TakeLine(bytes, 0, /*counts_as_head=*/true, line)) return false;
  if (line.empty()) state_ = State::kDone;  // trailer fields themselves are not used
  return true;
}

void Http1Response::AddBody(std::string_view piece) {
  if (piece.empty()) return;
  const std::uint64_t room = limits_.max_body - std::min(body_bytes_, limits_.max_body);
  // What fits is kept even when the piece overflows, so the kept body does not depend on
  // where the reads happened to end.
  if (limits_.keep_body) body_.append(piece.substr(0, std::min<std::uint64_t>(room, piece.size())));
  body_bytes_ += piece.size();
  if (piece.size() > room) {
    Fail(Outcome::kBodyTooLarge,
         "response body larger than " + std::to_string(limits_.max_body) + " bytes");
  }
}

void Http1Response::Fail(Outcome outcome, std::string why) {
  if (outcome_ != Outcome::kNeedMore) return;
  outcome_ = outcome;
  error_ = std::move(why);
}

}  // namespace latencyd::probes
