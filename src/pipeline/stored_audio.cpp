#include "pipeline/stored_audio.h"

#include "core/file_util.h"
#include "core/ids.h"

namespace reflexio {

Result<DecodedAudio> DecodeStoredAudio(BlobStore& blobs, const std::string& key, const std::filesystem::path& scratch_dir,
                                       const DecodeOptions& options) {
  std::filesystem::path scratch = scratch_dir / ("stored-" + NewId());
  struct RemoveScratch {
    std::filesystem::path path;
    ~RemoveScratch() { RemoveQuietly(path); }
  } cleanup{scratch};
  RETURN_IF_ERROR(blobs.GetToFile(key, scratch));
  return DecodeAudioFile(scratch.string(), options);
}

}  // namespace reflexio
