#include "stream_client.h"

#include <utility>  // before Asio, as its headers need with C++20

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <stdexcept>

#include "audio/stream_frame.h"

namespace reflexio::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;

struct StreamClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  bool gone = false;
};

StreamClient::StreamClient(const std::string& base_url, const std::string& key)
    : StreamClient(base_url, {{"Authorization", "Bearer " + key}}) {}

StreamClient::StreamClient(const std::string& base_url,
                           const std::vector<std::pair<std::string, std::string>>& headers)
    : impl_(std::make_unique<Impl>()) {
  std::string host_port = base_url.substr(base_url.find("//") + 2);
  size_t colon = host_port.rfind(':');
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(host_port.substr(0, colon)),
                                   static_cast<unsigned short>(std::stoi(host_port.substr(colon + 1))));
  beast::get_lowest_layer(impl_->ws).connect(endpoint);
  impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
    for (const auto& [name, value] : headers) request.set(name, value);
  }));
  impl_->ws.read_message_max(16 << 20);
  websocket::response_type response;
  boost::system::error_code ec;
  impl_->ws.handshake(response, host_port, "/v1/stream", ec);
  upgrade_status_ = static_cast<int>(response.result_int());
  if (ec) {
    refusal_body_ = response.body().empty() ? ec.message() : response.body();
    impl_->gone = true;
  }
}

StreamClient::~StreamClient() = default;

bool StreamClient::SendText(const std::string& text) {
  if (impl_->gone) return false;
  boost::system::error_code ec;
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text), ec);
  return !ec;
}

bool StreamClient::SendBinary(const std::string& bytes) {
  if (impl_->gone) return false;
  boost::system::error_code ec;
  impl_->ws.binary(true);
  impl_->ws.write(asio::buffer(bytes), ec);
  return !ec;
}

bool StreamClient::SendFrame(uint64_t seq, std::string_view payload) {
  return SendBinary(StreamFrameMessage(seq, payload));
}

bool StreamClient::SendFrameHeaderOnly(uint64_t length) {
  std::string header = {static_cast<char>(0x82), static_cast<char>(0x80 | 127)};  // final, binary; masked, 64-bit length
  for (int i = 7; i >= 0; --i) header.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  header += std::string("\x12\x34\x56\x78", 4);  // the mask a client must send
  boost::system::error_code ec;
  asio::write(beast::get_lowest_layer(impl_->ws).socket(), asio::buffer(header), ec);
  return !ec;
}

void StreamClient::Drop() {
  auto& socket = beast::get_lowest_layer(impl_->ws).socket();
  boost::system::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);  // a reset, not a goodbye
  socket.close(ignored);
  impl_->gone = true;
}

StreamClient::Event StreamClient::Next(std::chrono::milliseconds timeout) {
  Event event;
  if (impl_->gone) return event;
  impl_->buffer.clear();
  boost::system::error_code ec;
  bool done = false;
  impl_->ws.async_read(impl_->buffer, [&](boost::system::error_code e, size_t) {
    ec = e;
    done = true;
  });
  impl_->io.restart();
  impl_->io.run_for(timeout);
  if (!done) {
    beast::get_lowest_layer(impl_->ws).cancel();
    impl_->io.restart();
    impl_->io.run();
    impl_->gone = true;
    event.kind = Event::kTimeout;
    return event;
  }
  if (ec == websocket::error::closed) {
    impl_->gone = true;
    event.kind = Event::kClosed;
    event.close_code = impl_->ws.reason().code;
    event.close_reason = std::string(impl_->ws.reason().reason.c_str());
    return event;
  }
  if (ec) {
    impl_->gone = true;
    event.close_reason = ec.message();
    return event;
  }
  event.kind = Event::kMessage;
  event.message = json::parse(beast::buffers_to_string(impl_->buffer.data()), nullptr, false);
  return event;
}

std::vector<json> StreamClient::ReadUntilClosed(Event& end, std::chrono::milliseconds timeout) {
  std::vector<json> messages;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    end = Next(std::max(left, std::chrono::milliseconds(1)));
    if (end.kind != Event::kMessage) return messages;
    messages.push_back(end.message);
  }
}

}  // namespace reflexio::testing
