#include "audio/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <sstream>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

namespace reflexio {

namespace {

constexpr const char* kAcceptedDemuxers = "wav,flac,ogg,matroska,webm,mov,mp4,m4a,3gp,mp3,aac";

std::string AvError(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

Status Unsupported(const std::string& message) {
  return Status(ErrorCode::kUnsupportedMedia, "unsupported_audio_format", message);
}
Status Unprocessable(const std::string& message) {
  return Status(ErrorCode::kUnprocessable, "undecodable_audio", message);
}

struct FormatCloser { void operator()(AVFormatContext* f) const { avformat_close_input(&f); } };
struct CodecFreer { void operator()(AVCodecContext* c) const { avcodec_free_context(&c); } };
struct SwrFreer { void operator()(SwrContext* s) const { swr_free(&s); } };
struct PacketFreer { void operator()(AVPacket* p) const { av_packet_free(&p); } };
struct FrameFreer { void operator()(AVFrame* f) const { av_frame_free(&f); } };

// Accumulates resampled output, counting (and, when asked, keeping) only the requested window.
class Collector {
 public:
  Collector(const DecodeOptions& options, DecodedAudio& out)
      : start_(static_cast<int64_t>(std::llround(options.start_s * kSampleRate))),
        end_(options.end_s < 0 ? INT64_MAX : static_cast<int64_t>(std::llround(options.end_s * kSampleRate))),
        keep_(options.keep_samples),
        out_(out) {}
  void Add(const float* data, int count) {
    int64_t from = std::clamp<int64_t>(start_ - position_, 0, count);
    int64_t to = std::clamp<int64_t>(end_ - position_, 0, count);
    if (to > from) {
      out_.sample_count += to - from;
      if (keep_) out_.samples.insert(out_.samples.end(), data + from, data + to);
    }
    position_ += count;
  }
  bool Done() const { return position_ >= end_; }
  int64_t position() const { return position_; }
  void StartAt(int64_t position) { position_ = position; }

 private:
  int64_t start_, end_, position_ = 0;
  bool keep_;
  DecodedAudio& out_;
};

// Byte source for FFmpeg's custom I/O: reads and seeks go to ByteSource::read.
class SourceReader {
 public:
  explicit SourceReader(const ByteSource& source) : source_(source) {}
  static int Read(void* opaque, uint8_t* buffer, int size) {
    auto* self = static_cast<SourceReader*>(opaque);
    if (self->position_ >= self->source_.size) return AVERROR_EOF;
    auto bytes = self->source_.read(self->position_, static_cast<size_t>(size));
    if (!bytes.ok()) {
      self->error_ = bytes.status();
      return AVERROR(EIO);
    }
    if (bytes->empty()) return AVERROR_EOF;
    std::memcpy(buffer, bytes->data(), bytes->size());
    self->position_ += bytes->size();
    return static_cast<int>(bytes->size());
  }
  static int64_t Seek(void* opaque, int64_t offset, int whence) {
    auto* self = static_cast<SourceReader*>(opaque);
    int64_t size = static_cast<int64_t>(self->source_.size);
    if (whence & AVSEEK_SIZE) return size;
    int64_t target = (whence & ~AVSEEK_FORCE) == SEEK_CUR ? static_cast<int64_t>(self->position_) + offset
                     : (whence & ~AVSEEK_FORCE) == SEEK_END ? size + offset
                                                            : offset;
    if (target < 0) return AVERROR(EINVAL);
    self->position_ = static_cast<uint64_t>(target);
    return target;
  }
  const Status& error() const { return error_; }

 private:
  const ByteSource& source_;
  uint64_t position_ = 0;
  Status error_;
};

Result<DecodedAudio> DecodeOpened(AVFormatContext* format, const DecodeOptions& options);

}  // namespace

Result<DecodedAudio> DecodeAudioFile(const std::string& path, const DecodeOptions& options) {
  av_log_set_level(AV_LOG_QUIET);
  AVDictionary* open_options = nullptr;
  av_dict_set(&open_options, "format_whitelist", kAcceptedDemuxers, 0);
  av_dict_set(&open_options, "protocol_whitelist", "file", 0);
  AVFormatContext* raw_format = nullptr;
  int rc = avformat_open_input(&raw_format, path.c_str(), nullptr, &open_options);
  av_dict_free(&open_options);
  if (rc < 0) {
    return Unsupported("the data is not in an accepted audio format (WAV, FLAC, Ogg/Opus, WebM, "
                       "M4A/AAC, MP3): " + AvError(rc));
  }
  std::unique_ptr<AVFormatContext, FormatCloser> format(raw_format);
  return DecodeOpened(format.get(), options);
}

Result<DecodedAudio> DecodeAudioSource(const ByteSource& source, const DecodeOptions& options) {
  av_log_set_level(AV_LOG_QUIET);
  constexpr int kBufferSize = 16 * 1024;  // small: a seek's probes each read one buffer
  SourceReader reader(source);
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  if (buffer == nullptr) return Internal("out of memory for the decoder's buffer");
  struct IoFreer {
    void operator()(AVIOContext* io) const {
      av_freep(&io->buffer);
      avio_context_free(&io);
    }
  };
  std::unique_ptr<AVIOContext, IoFreer> io(
      avio_alloc_context(buffer, kBufferSize, 0, &reader, &SourceReader::Read, nullptr, &SourceReader::Seek));
  if (!io) {
    av_free(buffer);
    return Internal("out of memory for the decoder's I/O");
  }
  AVFormatContext* raw_format = avformat_alloc_context();
  raw_format->pb = io.get();
  raw_format->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVDictionary* open_options = nullptr;
  av_dict_set(&open_options, "format_whitelist", kAcceptedDemuxers, 0);
  int rc = avformat_open_input(&raw_format, nullptr, nullptr, &open_options);
  av_dict_free(&open_options);
  if (rc < 0) {
    if (!reader.error().ok()) return reader.error();
    return Unsupported("the data is not in an accepted audio format (WAV, FLAC, Ogg/Opus, WebM, "
                       "M4A/AAC, MP3): " + AvError(rc));
  }
  std::unique_ptr<AVFormatContext, FormatCloser> format(raw_format);  // closed before `io` is freed
  auto decoded = DecodeOpened(format.get(), options);
  if (!reader.error().ok()) return reader.error();
  return decoded;
}

namespace {

Result<DecodedAudio> DecodeOpened(AVFormatContext* format, const DecodeOptions& options) {
  int rc = 0;
  if ((rc = avformat_find_stream_info(format, nullptr)) < 0) {
    return Unprocessable("cannot read the stream layout: " + AvError(rc));
  }
  const AVCodec* codec = nullptr;
  int stream_index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (stream_index < 0 || codec == nullptr) {
    return Unsupported(std::string("the ") + format->iformat->name +
                       " container holds no audio stream this server can decode");
  }
  AVStream* stream = format->streams[stream_index];
  std::unique_ptr<AVCodecContext, CodecFreer> decoder(avcodec_alloc_context3(codec));
  avcodec_parameters_to_context(decoder.get(), stream->codecpar);
  if ((rc = avcodec_open2(decoder.get(), codec, nullptr)) < 0) {
    return Unprocessable(std::string("cannot open the ") + codec->name + " decoder: " + AvError(rc));
  }

  DecodedAudio result;
  result.container = format->iformat->name;
  result.codec = codec->name;
  result.source_sample_rate = decoder->sample_rate;
  result.source_channels = decoder->ch_layout.nb_channels;
  Collector collector(options, result);

  // Seeking: the demuxer jumps to shortly before the clip (Opus needs ~80 ms of pre-roll to
  // settle), and the first decoded frame's timestamp says where the collector stands.
  bool awaiting_position = false;
  if (options.seek && options.start_s > 1.0) {
    double target_s = options.start_s - 0.5;
    int64_t target = av_rescale_q(static_cast<int64_t>(target_s * AV_TIME_BASE), AV_TIME_BASE_Q, stream->time_base);
    if (av_seek_frame(format, stream_index, target, AVSEEK_FLAG_BACKWARD) >= 0) {
      avcodec_flush_buffers(decoder.get());
      awaiting_position = true;
    }
  }

  std::unique_ptr<SwrContext, SwrFreer> resampler;
  std::vector<float> converted;
  auto resample = [&](const AVFrame* frame) -> Status {
    if (awaiting_position && frame != nullptr) {
      if (frame->best_effort_timestamp == AV_NOPTS_VALUE) return Unprocessable("cannot tell where the seek landed");
      // After a seek the Ogg/Opus timestamps run one pre-skip behind the timeline of a decode from
      // the first byte (which drops the codec's priming samples): add it so both agree.
      double at_s = frame->best_effort_timestamp * av_q2d(stream->time_base) +
                    stream->codecpar->initial_padding / double(stream->codecpar->sample_rate);
      collector.StartAt(static_cast<int64_t>(std::llround(std::max(0.0, at_s) * kSampleRate)));
      awaiting_position = false;
    }
    if (!resampler) {
      AVChannelLayout in_layout;
      if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame->ch_layout.nb_channels == 0) {
        av_channel_layout_default(&in_layout, std::max(1, frame->ch_layout.nb_channels));
      } else {
        av_channel_layout_copy(&in_layout, &frame->ch_layout);
      }
      AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
      SwrContext* swr = nullptr;
      int err = swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_FLT, kSampleRate, &in_layout,
                                    static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr);
      av_channel_layout_uninit(&in_layout);
      if (err < 0 || swr_init(swr) < 0) {
        swr_free(&swr);
        return Unprocessable("cannot convert this audio's sample layout");
      }
      resampler.reset(swr);
    }
    int capacity = static_cast<int>(swr_get_out_samples(resampler.get(), frame ? frame->nb_samples : 0)) + 32;
    converted.resize(capacity);
    uint8_t* out_planes[1] = {reinterpret_cast<uint8_t*>(converted.data())};
    int produced = swr_convert(resampler.get(), out_planes, capacity,
                               frame ? const_cast<const uint8_t**>(frame->extended_data) : nullptr,
                               frame ? frame->nb_samples : 0);
    if (produced < 0) return Unprocessable("resampling failed: " + AvError(produced));
    collector.Add(converted.data(), produced);
    return Status::Ok();
  };

  std::unique_ptr<AVPacket, PacketFreer> packet(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameFreer> frame(av_frame_alloc());
  int decode_errors = 0;
  int packets = 0;
  std::string first_error;
  auto drain = [&]() -> Status {
    while (true) {
      int r = avcodec_receive_frame(decoder.get(), frame.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return Status::Ok();
      if (r < 0) {
        ++decode_errors;
        if (first_error.empty()) first_error = AvError(r);
        return Status::Ok();
      }
      RETURN_IF_ERROR(resample(frame.get()));
      av_frame_unref(frame.get());
    }
  };
  bool read_error = false;
  while (!collector.Done()) {
    rc = av_read_frame(format, packet.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) {
      read_error = true;
      if (first_error.empty()) first_error = AvError(rc);
      break;
    }
    if (packet->stream_index == stream_index) {
      ++packets;
      int s = avcodec_send_packet(decoder.get(), packet.get());
      if (s < 0 && s != AVERROR(EAGAIN)) {
        ++decode_errors;
        if (first_error.empty()) first_error = AvError(s);
      }
      RETURN_IF_ERROR(drain());
    }
    av_packet_unref(packet.get());
  }
  avcodec_send_packet(decoder.get(), nullptr);
  RETURN_IF_ERROR(drain());
  if (resampler) RETURN_IF_ERROR(resample(nullptr));

  double decoded_s = collector.position() / double(kSampleRate);
  if (collector.position() == 0 || (result.sample_count == 0 && options.start_s > 0 && options.seek)) {
    return Unprocessable("no audio could be decoded from this " + result.container + " file" +
                         (first_error.empty() ? "" : " (" + first_error + ")"));
  }
  if (options.check_complete && options.end_s < 0) {
    double declared_s = format->duration > 0 ? format->duration / double(AV_TIME_BASE) : 0;
    bool short_of_declared = declared_s > 0 && decoded_s < declared_s * 0.97 - 0.25;
    bool errors_dominate = decode_errors > 0 && decode_errors * 2 > packets;
    if (short_of_declared || errors_dominate || (read_error && declared_s == 0)) {
      std::ostringstream msg;
      msg.precision(2);
      msg << std::fixed << "the " << result.container << " file is incomplete or corrupt: ";
      if (short_of_declared) {
        msg << "it declares " << declared_s << " s of audio but only " << decoded_s
            << " s could be decoded (was the upload cut short?)";
      } else {
        msg << decode_errors << " of " << packets << " packets failed to decode (" << first_error << ")";
      }
      return Unprocessable(msg.str());
    }
  }
  return result;
}

}  // namespace

}  // namespace reflexio
