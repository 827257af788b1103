#include "audio/opus_frames.h"

#include <opus.h>

extern "C" {
#include <libavformat/avformat.h>
}

#include <memory>

namespace reflexio {

namespace {
constexpr int kRate = 16000;
constexpr int kMaxPacketBytes = 4000;  // what libopus recommends for one packet
}  // namespace

Result<std::unique_ptr<OpusFrameEncoder>> OpusFrameEncoder::Create(int bitrate) {
  int error = OPUS_OK;
  OpusEncoder* encoder = opus_encoder_create(kRate, 1, OPUS_APPLICATION_VOIP, &error);
  if (error != OPUS_OK || encoder == nullptr) return Internal(std::string("Opus encoder: ") + opus_strerror(error));
  opus_encoder_ctl(encoder, OPUS_SET_BITRATE(bitrate));
  opus_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  return std::unique_ptr<OpusFrameEncoder>(new OpusFrameEncoder(encoder));
}

OpusFrameEncoder::~OpusFrameEncoder() { opus_encoder_destroy(encoder_); }

Result<std::string> OpusFrameEncoder::Encode(std::span<const float> samples_16k) {
  std::string packet(kMaxPacketBytes, '\0');
  int n = opus_encode_float(encoder_, samples_16k.data(), static_cast<int>(samples_16k.size()),
                            reinterpret_cast<unsigned char*>(packet.data()), kMaxPacketBytes);
  if (n < 0) return InvalidArgument(std::string("Opus could not encode the frame: ") + opus_strerror(n), "bad_frame");
  packet.resize(static_cast<size_t>(n));
  return packet;
}

Result<std::unique_ptr<OpusFrameDecoder>> OpusFrameDecoder::Create() {
  int error = OPUS_OK;
  OpusDecoder* decoder = opus_decoder_create(kRate, 1, &error);
  if (error != OPUS_OK || decoder == nullptr) return Internal(std::string("Opus decoder: ") + opus_strerror(error));
  return std::unique_ptr<OpusFrameDecoder>(new OpusFrameDecoder(decoder));
}

OpusFrameDecoder::~OpusFrameDecoder() { opus_decoder_destroy(decoder_); }

Result<std::vector<float>> OpusFrameDecoder::Decode(std::string_view packet, int expected_samples) {
  const auto* data = reinterpret_cast<const unsigned char*>(packet.data());
  int32_t length = static_cast<int32_t>(packet.size());
  int samples = packet.empty() ? OPUS_INVALID_PACKET : opus_packet_get_nb_samples(data, length, kRate);
  if (samples < 0) return InvalidArgument("the frame is not an Opus packet", "bad_frame");
  if (samples != expected_samples) {
    return InvalidArgument("the Opus packet holds " + std::to_string(samples) + " samples, not the " +
                               std::to_string(expected_samples) + " of one frame",
                           "bad_frame");
  }
  std::vector<float> out(static_cast<size_t>(samples));
  int n = opus_decode_float(decoder_, data, length, out.data(), samples, 0);
  if (n != samples) return InvalidArgument("the Opus packet does not decode", "bad_frame");
  return out;
}

namespace {

// RFC 7845's identification header: one channel, libopus's usual pre-skip of 6.5 ms at 48 kHz.
std::string OpusHead() {
  std::string head = "OpusHead";
  head += static_cast<char>(1);  // version
  head += static_cast<char>(1);  // channels
  const uint16_t pre_skip = 312;
  const uint32_t input_rate = kRate;
  head += static_cast<char>(pre_skip & 0xff);
  head += static_cast<char>(pre_skip >> 8);
  for (int i = 0; i < 4; ++i) head += static_cast<char>((input_rate >> (8 * i)) & 0xff);
  head += std::string(2, '\0');  // output gain
  head += '\0';                  // mapping family 0: mono or stereo
  return head;
}

int AppendTo(void* opaque, uint8_t* bytes, int size) {
  static_cast<std::string*>(opaque)->append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  return size;
}

struct MuxerDeleter {
  void operator()(AVFormatContext* context) const {
    if (context->pb != nullptr) {
      av_freep(&context->pb->buffer);
      avio_context_free(&context->pb);
    }
    avformat_free_context(context);
  }
};

}  // namespace

Result<std::string> MuxOggOpus(std::span<const std::string_view> packets, int frame_ms) {
  AVFormatContext* raw = nullptr;
  if (avformat_alloc_output_context2(&raw, nullptr, "ogg", nullptr) < 0 || raw == nullptr) {
    return Internal("libavformat has no Ogg muxer");
  }
  std::unique_ptr<AVFormatContext, MuxerDeleter> muxer(raw);
  std::string out;
  constexpr int kBufferSize = 4096;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  muxer->pb = avio_alloc_context(buffer, kBufferSize, 1, &out, nullptr, &AppendTo, nullptr);
  if (muxer->pb == nullptr) {
    av_free(buffer);
    return Internal("cannot allocate the Ogg writer");
  }
  AVStream* stream = avformat_new_stream(muxer.get(), nullptr);
  if (stream == nullptr) return Internal("cannot add the Opus stream");
  std::string head = OpusHead();
  stream->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
  stream->codecpar->codec_id = AV_CODEC_ID_OPUS;
  stream->codecpar->sample_rate = 48000;
  av_channel_layout_default(&stream->codecpar->ch_layout, 1);
  stream->codecpar->extradata = static_cast<uint8_t*>(av_mallocz(head.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::copy(head.begin(), head.end(), stream->codecpar->extradata);
  stream->codecpar->extradata_size = static_cast<int>(head.size());
  stream->codecpar->initial_padding = 312;
  stream->time_base = {1, 48000};
  if (avformat_write_header(muxer.get(), nullptr) < 0) return Internal("cannot write the Ogg/Opus headers");
  const int64_t duration = 48 * frame_ms;
  int64_t pts = 0;
  for (std::string_view packet : packets) {
    AVPacket* p = av_packet_alloc();
    if (p == nullptr || av_new_packet(p, static_cast<int>(packet.size())) < 0) {
      av_packet_free(&p);
      return Internal("cannot allocate an Opus packet");
    }
    std::copy(packet.begin(), packet.end(), p->data);
    p->stream_index = 0;
    p->pts = p->dts = av_rescale_q(pts, AVRational{1, 48000}, stream->time_base);
    p->duration = av_rescale_q(duration, AVRational{1, 48000}, stream->time_base);
    pts += duration;
    int written = av_write_frame(muxer.get(), p);
    av_packet_free(&p);
    if (written < 0) return Internal("cannot write an Opus packet into Ogg");
  }
  if (av_write_trailer(muxer.get()) < 0) return Internal("cannot finish the Ogg/Opus file");
  avio_flush(muxer->pb);
  return out;
}

}  // namespace reflexio
