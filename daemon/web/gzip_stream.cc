#include "daemon/web/gzip_stream.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace latencyd {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The q value of one list element such as "gzip;q=0.5" (1 without a q parameter).
double Quality(std::string_view parameters) {
  std::size_t q = parameters.find("q=");
  if (q == std::string_view::npos) return 1;
  return std::strtod(std::string(parameters.substr(q + 2)).c_str(), nullptr);
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    std::size_t comma = accept_encoding.find(',');
    std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    std::size_t semicolon = element.find(';');
    std::string_view coding = Trim(element.substr(0, semicolon));
    std::string_view parameters =
        semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon);
    if ((EqualsIgnoreCase(coding, "gzip") || coding == "*") && Quality(parameters) > 0) {
      return true;
    }
  }
  return false;
}

GzipStream::GzipStream(int level) {
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  ready_ = deflateInit2(&stream_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

GzipStream::~GzipStream() {
  if (ready_) deflateEnd(&stream_);
}

bool GzipStream::Write(std::string_view piece, const Sink& sink) {
  return Deflate(piece, Z_NO_FLUSH, sink);
}

bool GzipStream::Finish(const Sink& sink) { return Deflate({}, Z_FINISH, sink); }

bool GzipStream::Deflate(std::string_view input, int flush, const Sink& sink) {
  if (!ready_) return false;
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream_.avail_in = static_cast<uInt>(input.size());
  for (;;) {
    stream_.next_out = reinterpret_cast<Bytef*>(out_);
    stream_.avail_out = sizeof out_;
    const int result = deflate(&stream_, flush);
    if (result == Z_STREAM_ERROR) return false;
    const std::size_t produced = sizeof out_ - stream_.avail_out;
    if (produced > 0 && !sink(out_, produced)) return false;
    if (flush == Z_FINISH ? result == Z_STREAM_END
                          : stream_.avail_in == 0 && stream_.avail_out != 0) {
      return true;
    }
  }
}

std::string GzipCompress(std::string_view body, int level) {
  std::string out;
  GzipStream stream(level);
  auto append = [&out](const char* data, std::size_t size) {
    out.append(data, size);
    return true;
  };
  if (!stream.Write(body, append) || !stream.Finish(append)) {
    throw std::runtime_error("gzip compression failed");
  }
  return out;
}

}  // namespace latencyd
