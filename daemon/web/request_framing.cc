#include "daemon/web/request_framing.h"

#include <algorithm>
#include <cstring>

namespace latencyd {
namespace {

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// Field values may hold visible ASCII, spaces, tabs and obs-text, never other control bytes.
bool IsFieldValueChar(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "name: value" with a token name and no space before the colon (RFC 9112 5.1: such a space
// must be rejected, since proxies disagree on what it means). No obs-fold.
bool ParseField(std::string_view line, std::string_view* name, std::string_view* value) {
  std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    if (!IsTokenChar(line[i])) return false;
  }
  for (std::size_t i = colon + 1; i < line.size(); ++i) {
    if (!IsFieldValueChar(line[i])) return false;
  }
  *name = line.substr(0, colon);
  *value = TrimSpaces(line.substr(colon + 1));
  return true;
}

// "METHOD SP target SP HTTP/1.x"; returns 0 or the status to refuse it with.
int CheckRequestLine(std::string_view line, std::string* reason) {
  std::size_t first = line.find(' ');
  std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (first == 0 || second == std::string_view::npos || second == first + 1) {
    *reason = "malformed request line";
    return 400;
  }
  for (std::size_t i = 0; i < first; ++i) {
    if (!IsTokenChar(line[i])) {
      *reason = "malformed method";
      return 400;
    }
  }
  for (std::size_t i = first + 1; i < second; ++i) {
    auto byte = static_cast<unsigned char>(line[i]);
    if (byte <= 0x20 || byte >= 0x7f) {
      *reason = "malformed request target";
      return 400;
    }
  }
  std::string_view version = line.substr(second + 1);
  if (version == "HTTP/1.1" || version == "HTTP/1.0") return 0;
  *reason = "unsupported HTTP version";
  return version.substr(0, 5) == "HTTP/" ? 505 : 400;
}

HeadCheck Refuse(int status, std::string reason) {
  HeadCheck check;
  check.status = status;
  check.reason = std::move(reason);
  return check;
}

bool ParseContentLength(std::string_view value, std::uint64_t* length) {
  if (value.empty() || value.size() > 18) return false;  // no overflow below 10^18
  std::uint64_t parsed = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    parsed = parsed * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *length = parsed;
  return true;
}

// What the header fields say about the body; `check` is filled or refused.
void CheckFraming(int content_lengths, std::string_view content_length, int transfer_encodings,
                  std::string_view transfer_encoding, bool http10, const RequestSizeLimits& limits,
                  HeadCheck* check) {
  if (content_lengths > 1) {
    *check = Refuse(400, "more than one Content-Length");
  } else if (transfer_encodings > 1) {
    *check = Refuse(400, "more than one Transfer-Encoding");
  } else if (content_lengths == 1 && transfer_encodings == 1) {
    *check = Refuse(400, "both Transfer-Encoding and Content-Length");
  } else if (transfer_encodings == 1) {
    if (http10 || !EqualsIgnoringCase(transfer_encoding, "chunked")) {
      *check = Refuse(400, "unsupported Transfer-Encoding (only \"chunked\" is accepted)");
    } else {
      check->framing = BodyFraming::kChunked;
    }
  } else if (content_lengths == 1) {
    if (!ParseContentLength(content_length, &check->content_length)) {
      *check = Refuse(400, "malformed Content-Length");
    } else if (check->content_length > limits.max_body_bytes) {
      *check = Refuse(
          413, "request body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
    } else if (check->content_length > 0) {
      check->framing = BodyFraming::kContentLength;
    }
  }
}

}  // namespace

std::size_t FindHeadEnd(std::string_view bytes) {
  std::size_t end = bytes.find("\r\n\r\n");
  return end == std::string_view::npos ? end : end + 4;
}

std::string StripRangeFields(std::string_view request) {
  std::size_t head_end = FindHeadEnd(request);
  std::string stripped;
  stripped.reserve(request.size());
  for (std::size_t start = 0; start < head_end;) {
    std::size_t end = request.find("\r\n", start) + 2;
    std::string_view line = request.substr(start, end - start);
    std::size_t colon = line.find(':');
    bool range = start > 0 && colon != std::string_view::npos &&
                 EqualsIgnoringCase(line.substr(0, colon), "Range");
    if (!range) stripped.append(line);
    start = end;
  }
  stripped.append(request.substr(head_end));
  return stripped;
}

HeadCheck CheckRequestHead(std::string_view head, const RequestSizeLimits& limits) {
  if (head.size() > limits.max_head_bytes) return Refuse(431, "request head too large");
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") {
    return Refuse(400, "incomplete request head");
  }
  head.remove_suffix(2);  // every line, the last field's too, now ends in "\r\n"
  HeadCheck check;
  int content_lengths = 0, transfer_encodings = 0;
  std::string_view content_length, transfer_encoding;
  std::size_t fields = 0;
  bool expect_continue = false;
  bool first_line = true;
  bool http10 = false;
  for (std::size_t start = 0; start < head.size();) {
    std::size_t end = head.find("\r\n", start);
    std::string_view line = head.substr(start, end - start);
    start = end + 2;
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return Refuse(400, "bare CR or LF in the request head");
    }
    if (first_line) {
      first_line = false;
      if (int status = CheckRequestLine(line, &check.reason)) return Refuse(status, check.reason);
      http10 = line.substr(line.size() - 3) == "1.0";
      continue;
    }
    if (++fields > limits.max_header_fields) {
      return Refuse(431,
                    "more than " + std::to_string(limits.max_header_fields) + " header fields");
    }
    std::string_view name, value;
    if (!ParseField(line, &name, &value)) return Refuse(400, "malformed header field");
    if (EqualsIgnoringCase(name, "Content-Length")) {
      ++content_lengths;
      content_length = value;
    } else if (EqualsIgnoringCase(name, "Transfer-Encoding")) {
      ++transfer_encodings;
      transfer_encoding = value;
    } else if (EqualsIgnoringCase(name, "Range")) {
      check.has_range = true;
    } else if (EqualsIgnoringCase(name, "Expect")) {
      expect_continue = EqualsIgnoringCase(value, "100-continue");
    }
  }
  CheckFraming(content_lengths, content_length, transfer_encodings, transfer_encoding, http10,
               limits, &check);
  check.expect_continue =
      check.status == 0 && expect_continue && check.framing != BodyFraming::kNone;
  return check;
}

ChunkedBodyDecoder::ChunkedBodyDecoder(const RequestSizeLimits& limits) : limits_(limits) {}

ChunkedBodyDecoder::State ChunkedBodyDecoder::Feed(std::string_view bytes, std::size_t* consumed) {
  std::size_t i = 0;
  while (i < bytes.size() && state_ == State::kIncomplete) {
    if (phase_ == Phase::kData) {
      std::size_t take = static_cast<std::size_t>(
          std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(bytes.size() - i)));
      remaining_ -= take;
      i += take;
      if (remaining_ == 0) phase_ = Phase::kDataCr;
      continue;
    }
    if (++framing_bytes_ > limits_.max_head_bytes) {
      state_ = State::kTooLarge;
      break;
    }
    state_ = Step(bytes[i++]);
  }
  *consumed = i;
  return state_;
}

ChunkedBodyDecoder::State ChunkedBodyDecoder::Step(char c) {
  switch (phase_) {
    case Phase::kSize: {
      int digit = (c >= '0' && c <= '9')   ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                           : -1;
      if (digit >= 0) {
        if (++size_digits_ > 16) return State::kInvalid;
        chunk_size_ = chunk_size_ * 16 + static_cast<std::uint64_t>(digit);
        if (chunk_size_ > limits_.max_body_bytes) return State::kTooLarge;
        return State::kIncomplete;
      }
      if (size_digits_ == 0 || (c != ';' && c != '\r')) return State::kInvalid;
      phase_ = c == ';' ? Phase::kExtension : Phase::kSizeLf;
      return State::kIncomplete;
    }
    case Phase::kExtension:
      if (c == '\r') phase_ = Phase::kSizeLf;
      return c == '\r' || IsFieldValueChar(c) ? State::kIncomplete : State::kInvalid;
    case Phase::kSizeLf:
      if (c != '\n') return State::kInvalid;
      decoded_ += chunk_size_;
      if (decoded_ > limits_.max_body_bytes) return State::kTooLarge;
      remaining_ = chunk_size_;
      phase_ = chunk_size_ == 0 ? Phase::kTrailer : Phase::kData;
      return State::kIncomplete;
    case Phase::kDataCr:
      phase_ = Phase::kDataLf;
      return c == '\r' ? State::kIncomplete : State::kInvalid;
    case Phase::kDataLf:
      chunk_size_ = 0;
      size_digits_ = 0;
      phase_ = Phase::kSize;
      return c == '\n' ? State::kIncomplete : State::kInvalid;
    case Phase::kTrailer:
      return StepTrailer(c);
    case Phase::kData:
    case Phase::kDone:
      break;
  }
  return State::kInvalid;
}

ChunkedBodyDecoder::State ChunkedBodyDecoder::StepTrailer(char c) {
  if (!trailer_line_cr_) {
    if (c == '\r') {
      trailer_line_cr_ = true;
    } else if (c == '\n') {
      return State::kInvalid;
    } else {
      trailer_line_.push_back(c);
    }
    return State::kIncomplete;
  }
  trailer_line_cr_ = false;
  if (c != '\n') return State::kInvalid;
  if (trailer_line_.empty()) {
    phase_ = Phase::kDone;
    return State::kComplete;
  }
  std::string_view name, value;
  if (!ParseField(trailer_line_, &name, &value)) return State::kInvalid;
  if (++trailer_fields_ > limits_.max_header_fields) return State::kTooLarge;
  trailer_line_.clear();
  return State::kIncomplete;
}

}  // namespace latencyd
