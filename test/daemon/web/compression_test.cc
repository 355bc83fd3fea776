// gzip on the daemon's pages: Accept-Encoding parsing, the stream against zlib's inflate, and
// the real server (cpp-httplib) answering compressed only when asked, with Vary and a body that
// decompresses to exactly the uncompressed one.
#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "daemon/web/gzip_stream.h"
#include "daemon/web/http_server.h"

namespace latencyd {
namespace {

std::string Gunzip(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);  // gzip only, not zlib or raw
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[65536];
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    result = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  EXPECT_EQ(result, Z_STREAM_END) << "a complete gzip stream";
  EXPECT_EQ(stream.avail_in, 0u) << "nothing after the gzip trailer";
  inflateEnd(&stream);
  return out;
}

// Exposition-like text: repetitive names, varying numbers.
std::string SampleText(std::size_t lines) {
  std::mt19937 rng(42);
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    text += "latencyd_probe_phase_seconds{endpoint=\"e" + std::to_string(i / 40) +
            "\",class=\"core\",phase=\"connect\",quantile=\"0.5\"} " +
            std::to_string(rng() % 100000) + "e-06\n";
  }
  return text;
}

TEST(AcceptsGzipTest, Table) {
  struct Case {
    const char* header;
    bool gzip;
  };
  const Case cases[] = {
      {"gzip", true},
      {"GZIP", true},
      {"gzip, deflate, br", true},
      {"br;q=1.0, gzip;q=0.8", true},
      {"identity, *;q=0.1", true},
      {"*", true},
      {"", false},
      {"br", false},
      {"identity", false},
      {"gzip;q=0", false},
      {"gzip; q=0.000", false},
      {"x-gzip-not", false},
      {"deflate,br", false},
  };
  for (const Case& c : cases) EXPECT_EQ(AcceptsGzip(c.header), c.gzip) << c.header;
}

TEST(GzipStreamTest, PiecesDecompressToTheirConcatenation) {
  const std::string text = SampleText(20000);
  GzipStream stream;
  std::string compressed;
  auto sink = [&compressed](const char* data, std::size_t size) {
    compressed.append(data, size);
    return true;
  };
  for (std::size_t at = 0; at < text.size(); at += 7777) {
    ASSERT_TRUE(stream.Write(std::string_view(text).substr(at, 7777), sink));
  }
  ASSERT_TRUE(stream.Finish(sink));
  EXPECT_EQ(Gunzip(compressed), text);
  EXPECT_LT(compressed.size(), text.size() / 5);
  EXPECT_EQ(Gunzip(GzipCompress("")), "");
}

TEST(GzipStreamTest, ASinkThatFailsStopsTheStream) {
  GzipStream stream;
  const std::string text = SampleText(20000);
  EXPECT_FALSE(stream.Write(text, [](const char*, std::size_t) { return false; }));
}

class CompressionTest : public ::testing::Test {
 protected:
  CompressionTest() : metrics_(SampleText(30000)), page_(SampleText(500)) {
    HttpHandlers handlers;
    handlers.metrics = [this]() -> BodyPieces {
      auto at = std::make_shared<std::size_t>(0);
      return [this, at]() -> std::string_view {
        std::string_view piece = std::string_view(metrics_).substr(*at, 65536);
        *at += piece.size();
        return piece;
      };
    };
    handlers.status_page = [this](const HttpQuery&) {
      return std::optional<HttpReply>(HttpReply{200, page_});
    };
    handlers.endpoints_json = [](const HttpQuery&) {
      return std::optional<HttpReply>(HttpReply{200, "{\"endpoints\":[]}"});
    };
    handlers.healthy = [] { return true; };
    handlers.ready = [] { return true; };
    handlers.reload = [] { return std::nullopt; };
    server_ = std::make_unique<HttpServer>("127.0.0.1:0", std::move(handlers));
  }

  // GET with the given Accept-Encoding (none when empty), body as it came off the wire.
  httplib::Result Get(const std::string& path, const std::string& accept_encoding) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_decompress(false);
    httplib::Headers headers;
    if (!accept_encoding.empty()) headers.emplace("Accept-Encoding", accept_encoding);
    return client.Get(path.c_str(), headers);
  }

  const std::string metrics_;
  const std::string page_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(CompressionTest, GzipWhenAskedDecompressesToExactlyTheUncompressedBody) {
  auto plain = Get("/metrics", "");
  auto gzip = Get("/metrics", "gzip");
  ASSERT_TRUE(plain);
  ASSERT_TRUE(gzip);
  EXPECT_EQ(plain->body, metrics_);
  EXPECT_EQ(gzip->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gzip->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_EQ(gzip->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(Gunzip(gzip->body), plain->body);
  EXPECT_LT(gzip->body.size(), plain->body.size() / 5);

  for (const char* path : {"/", "/api/v1/endpoints"}) {
    auto page = Get(path, "");
    auto zipped = Get(path, "gzip, deflate, br");
    ASSERT_TRUE(page);
    ASSERT_TRUE(zipped);
    EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip") << path;
    EXPECT_EQ(zipped->get_header_value("Vary"), "Accept-Encoding") << path;
    EXPECT_EQ(Gunzip(zipped->body), page->body) << path;
  }
}

TEST_F(CompressionTest, NoCompressionWithoutAcceptEncodingOrWithOnlyOtherCodings) {
  // "br" alone: cpp-httplib would answer brotli by itself; latencyd only speaks gzip.
  for (const char* accept : {"", "br", "identity", "gzip;q=0", "deflate"}) {
    for (const char* path : {"/metrics", "/", "/api/v1/endpoints"}) {
      auto response = Get(path, accept);
      ASSERT_TRUE(response) << path;
      EXPECT_FALSE(response->has_header("Content-Encoding")) << path << " with '" << accept << "'";
      EXPECT_EQ(response->get_header_value("Vary"), "Accept-Encoding") << path;
    }
  }
  EXPECT_EQ(Get("/metrics", "br")->body, metrics_);
  EXPECT_EQ(Get("/", "br")->body, page_);
}

TEST_F(CompressionTest, TheDefaultClientDecompressesTransparently) {
  httplib::Client client("127.0.0.1", server_->port());
  httplib::Headers headers = {{"Accept-Encoding", "gzip"}};
  auto response = client.Get("/metrics", headers);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, metrics_);
}

}  // namespace
}  // namespace latencyd
