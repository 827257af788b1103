#include <pulse/error.h>
#include <pulse/introspect.h>
#include <pulse/mainloop.h>
#include <pulse/simple.h>

#include "edge/audio_input.h"

namespace reflexio {

namespace {

constexpr pa_sample_spec kSpec{PA_SAMPLE_S16LE, 16000, 1};

class PulseInput : public AudioInput {
 public:
  PulseInput(pa_simple* stream, std::string described) : stream_(stream), described_(std::move(described)) {}
  ~PulseInput() override { pa_simple_free(stream_); }
  std::string Describe() const override { return described_; }
  TimePoint first_sample_at() const override { return first_sample_at_; }

  Status Read(std::span<int16_t> samples) override {
    int error = 0;
    if (pa_simple_read(stream_, samples.data(), samples.size_bytes(), &error) < 0) {
      return Unavailable("reading from " + described_ + ": " + pa_strerror(error), "audio_input_lost");
    }
    // The first sample came at most `read_` samples before now: every read bounds it from above,
    // and the tightest bound is the one delivered with the least delay. (The latency the server
    // reports just after connecting can be seconds off, so it is not used.)
    read_ += samples.size();
    TimePoint bound = AddSeconds(SystemClock::Instance().Now(), -static_cast<double>(read_) / kSpec.rate);
    if (read_ == samples.size() || bound < first_sample_at_) first_sample_at_ = bound;
    return Status::Ok();
  }

 private:
  pa_simple* stream_;
  std::string described_;
  uint64_t read_ = 0;
  TimePoint first_sample_at_{};
};

}  // namespace

Result<std::unique_ptr<AudioInput>> OpenPulseInput(const std::string& source, const std::string& server) {
  // 30 ms fragments: the device hands over audio often, so little sits in its buffer.
  pa_buffer_attr buffer{static_cast<uint32_t>(-1), static_cast<uint32_t>(-1), static_cast<uint32_t>(-1),
                        static_cast<uint32_t>(-1), static_cast<uint32_t>(480 * sizeof(int16_t))};
  int error = 0;
  pa_simple* stream = pa_simple_new(server.empty() ? nullptr : server.c_str(), "Reflexio listener", PA_STREAM_RECORD,
                                    source.empty() ? nullptr : source.c_str(), "speech", &kSpec, nullptr, &buffer, &error);
  std::string described = "PulseAudio source " + (source.empty() ? std::string("(default)") : source);
  if (stream == nullptr) {
    return Unavailable("cannot open " + described + ": " + pa_strerror(error) +
                           " (is PulseAudio or PipeWire running? `reflexio listen --devices` lists the inputs)",
                       "audio_input_unavailable");
  }
  return std::unique_ptr<AudioInput>(std::make_unique<PulseInput>(stream, described));
}

namespace {

struct SourceListing {
  pa_mainloop* loop = nullptr;
  std::vector<AudioDevice> devices;
  std::string default_name;
  std::string error;
  int pending = 0;
};

void Finish(SourceListing& listing) {
  if (--listing.pending == 0) pa_mainloop_quit(listing.loop, 0);
}

void OnSource(pa_context*, const pa_source_info* info, int eol, void* data) {
  auto& listing = *static_cast<SourceListing*>(data);
  if (eol != 0) return Finish(listing);
  if (info != nullptr) listing.devices.push_back({info->name, info->description ? info->description : "", false});
}

void OnServer(pa_context*, const pa_server_info* info, void* data) {
  auto& listing = *static_cast<SourceListing*>(data);
  if (info != nullptr && info->default_source_name != nullptr) listing.default_name = info->default_source_name;
  Finish(listing);
}

void OnState(pa_context* context, void* data) {
  auto& listing = *static_cast<SourceListing*>(data);
  pa_context_state_t state = pa_context_get_state(context);
  if (state == PA_CONTEXT_READY) {
    listing.pending = 2;
    pa_operation_unref(pa_context_get_server_info(context, OnServer, data));
    pa_operation_unref(pa_context_get_source_info_list(context, OnSource, data));
  } else if (state == PA_CONTEXT_FAILED || state == PA_CONTEXT_TERMINATED) {
    listing.error = pa_strerror(pa_context_errno(context));
    pa_mainloop_quit(listing.loop, 1);
  }
}

}  // namespace

Result<std::vector<AudioDevice>> ListPulseSources(const std::string& server) {
  SourceListing listing;
  listing.loop = pa_mainloop_new();
  pa_context* context = pa_context_new(pa_mainloop_get_api(listing.loop), "Reflexio listener");
  pa_context_set_state_callback(context, OnState, &listing);
  int quit = 1;
  if (pa_context_connect(context, server.empty() ? nullptr : server.c_str(), PA_CONTEXT_NOFLAGS, nullptr) >= 0) {
    pa_mainloop_run(listing.loop, &quit);
  } else {
    listing.error = pa_strerror(pa_context_errno(context));
  }
  pa_context_disconnect(context);
  pa_context_unref(context);
  pa_mainloop_free(listing.loop);
  if (quit != 0) {
    return Unavailable("cannot reach PulseAudio" + (listing.error.empty() ? "" : ": " + listing.error) +
                       " (is PulseAudio or PipeWire running?)", "audio_input_unavailable");
  }
  for (AudioDevice& device : listing.devices) device.is_default = device.name == listing.default_name;
  return listing.devices;
}

}  // namespace reflexio
