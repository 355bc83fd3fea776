// gzip (RFC 1952) compression of a response body handed over in pieces, with zlib, and the
// Accept-Encoding check that decides whether a client gets it. Not thread-safe; one per
// response.
#pragma once

#include <zlib.h>

#include <functional>
#include <string>
#include <string_view>

namespace latencyd {

// zlib level 1, chosen by measurement (bench/README.md, "gzip"): on the exposition text, whose
// lines repeat the same metric and label names, level 1 already reaches a few percent of the
// uncompressed size; higher levels cost several times the CPU for a percent or two less.
inline constexpr int kGzipLevel = 1;

// True when an Accept-Encoding header value accepts gzip: the coding "gzip" (or "*") listed
// without q=0.
bool AcceptsGzip(std::string_view accept_encoding);

class GzipStream {
 public:
  // Receives compressed bytes; returns false to abort (the peer went away).
  using Sink = std::function<bool(const char* data, std::size_t size)>;

  explicit GzipStream(int level = kGzipLevel);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Compresses `piece`, handing whatever output is ready to `sink`; false when the sink or
  // zlib failed.
  bool Write(std::string_view piece, const Sink& sink);
  // Flushes the rest and the gzip trailer. Call once, after the last Write.
  bool Finish(const Sink& sink);

 private:
  bool Deflate(std::string_view input, int flush, const Sink& sink);

  z_stream stream_{};
  bool ready_ = false;
  char out_[16 * 1024];
};

// `body` gzip-compressed in one go.
std::string GzipCompress(std::string_view body, int level = kGzipLevel);

}  // namespace latencyd
