#include "daemon/web/request_reader.h"

#include <algorithm>

namespace latencyd {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

ReadRequestResult Refused(int status, std::string reason) {
  ReadRequestResult result;
  result.outcome = ReadRequestResult::Outcome::kRefused;
  result.status = status;
  result.reason = std::move(reason);
  return result;
}

ReadRequestResult Closed() { return ReadRequestResult{}; }

}  // namespace

RequestReader::RequestReader(ConnectionTransport& transport, const RequestSizeLimits& limits)
    : transport_(transport), limits_(limits) {}

bool RequestReader::ReadMore(Deadline deadline, bool* end_of_stream) {
  // Never more than one request's worth plus one read: pipelined bytes cannot pile up.
  std::size_t cap = limits_.max_head_bytes + limits_.max_body_bytes + 2 * kReadChunk;
  if (buffer_.size() >= cap) return false;
  std::size_t old_size = buffer_.size();
  buffer_.resize(old_size + std::min(kReadChunk, cap - old_size));
  ssize_t n = transport_.Read(&buffer_[old_size], buffer_.size() - old_size, deadline);
  buffer_.resize(old_size + (n > 0 ? static_cast<std::size_t>(n) : 0));
  *end_of_stream = n == 0;
  return n > 0;
}

ReadRequestResult RequestReader::Next(Deadline first_byte, Deadline complete_by) {
  buffer_.erase(0, request_size_);
  request_size_ = 0;
  std::size_t head_size = 0;
  HeadCheck check;
  ReadRequestResult head = ReadHead(first_byte, complete_by, &head_size, &check);
  if (head.outcome != ReadRequestResult::Outcome::kRequest) return head;
  if (check.expect_continue) {
    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (!transport_.WriteAll(kContinue, sizeof(kContinue) - 1, complete_by)) return Closed();
  }
  ReadRequestResult body = ReadBody(check, head_size, complete_by);
  body.has_range = check.has_range;
  return body;
}

ReadRequestResult RequestReader::ReadHead(Deadline first_byte, Deadline complete_by,
                                          std::size_t* head_size, HeadCheck* check) {
  std::size_t searched = 0;
  for (;;) {
    // RFC 9112 2.2: empty lines before a request line are ignored (some clients send a CRLF
    // after a body). Bounded by the head limit like everything else.
    std::size_t blank = 0;
    while (blank + 1 < buffer_.size() && buffer_[blank] == '\r' && buffer_[blank + 1] == '\n') {
      blank += 2;
    }
    if (blank > 0) {
      buffer_.erase(0, blank);
      searched = 0;
    }
    std::size_t end = FindHeadEnd(std::string_view(buffer_).substr(searched));
    if (end != std::string_view::npos) {
      *head_size = searched + end;
      break;
    }
    if (buffer_.size() > limits_.max_head_bytes) return Refused(431, "request head too large");
    searched = buffer_.size() < 3 ? 0 : buffer_.size() - 3;
    bool end_of_stream = false;
    bool idle = buffer_.empty();
    if (!ReadMore(idle ? first_byte : complete_by, &end_of_stream)) {
      if (idle || end_of_stream) return Closed();
      return Refused(408, "request not received in time");
    }
  }
  *check = CheckRequestHead(std::string_view(buffer_).substr(0, *head_size), limits_);
  if (check->status != 0) return Refused(check->status, check->reason);
  ReadRequestResult result;
  result.outcome = ReadRequestResult::Outcome::kRequest;
  return result;
}

ReadRequestResult RequestReader::ReadBody(const HeadCheck& check, std::size_t head_size,
                                          Deadline complete_by) {
  ChunkedBodyDecoder chunked(limits_);
  std::size_t scanned = head_size;  // bytes of buffer_ the chunked decoder has seen
  for (;;) {
    if (check.framing == BodyFraming::kNone) {
      request_size_ = head_size;
      break;
    }
    if (check.framing == BodyFraming::kContentLength &&
        buffer_.size() - head_size >= check.content_length) {
      request_size_ = head_size + static_cast<std::size_t>(check.content_length);
      break;
    }
    if (check.framing == BodyFraming::kChunked && scanned < buffer_.size()) {
      std::size_t consumed = 0;
      auto state = chunked.Feed(std::string_view(buffer_).substr(scanned), &consumed);
      scanned += consumed;
      if (state == ChunkedBodyDecoder::State::kInvalid) {
        return Refused(400, "malformed chunked body");
      }
      if (state == ChunkedBodyDecoder::State::kTooLarge) {
        return Refused(
            413, "request body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
      }
      if (state == ChunkedBodyDecoder::State::kComplete) {
        request_size_ = scanned;
        break;
      }
    }
    bool end_of_stream = false;
    if (!ReadMore(complete_by, &end_of_stream)) {
      return end_of_stream ? Closed() : Refused(408, "request not received in time");
    }
  }
  ReadRequestResult result;
  result.outcome = ReadRequestResult::Outcome::kRequest;
  return result;
}

}  // namespace latencyd
