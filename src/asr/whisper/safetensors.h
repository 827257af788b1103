// SafeTensors: a read-only, memory-mapped .safetensors file — 8 bytes of little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the data.
//
// Open() checks the header against the file (every range inside the data, sizes matching dtype
// and shape) so a truncated or hand-edited file is refused with a message naming it. Tensors
// are views into the mapping: the SafeTensors object must outlive them. Thread-safe (read-only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace reflexio {

enum class TensorType { kF32, kF16, kBF16, kI64, kI32 };

struct TensorView {
  TensorType type = TensorType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  int64_t elements() const;
};

class SafeTensors {
 public:
  static Result<std::unique_ptr<SafeTensors>> Open(const std::string& path);
  ~SafeTensors();
  SafeTensors(const SafeTensors&) = delete;
  SafeTensors& operator=(const SafeTensors&) = delete;

  const std::string& path() const { return path_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  // kNotFound naming the file when absent.
  Result<TensorView> Get(const std::string& name) const;
  // A floating-point tensor (F32, F16 or BF16) of exactly `shape`; kInvalidArgument naming the
  // file and tensor otherwise.
  Result<TensorView> GetFloat(const std::string& name, const std::vector<int64_t>& shape) const;
  // The tensor as float32, checked as GetFloat checks it.
  Result<std::vector<float>> ToFloat(const std::string& name, const std::vector<int64_t>& shape) const;

 private:
  SafeTensors() = default;
  std::string path_;
  void* map_ = nullptr;
  size_t size_ = 0;
  std::map<std::string, TensorView> tensors_;
};

// A checkpoint's weights: one .safetensors file, or the shards that `<file>.index.json` names
// (Hugging Face's layout for large checkpoints: {"weight_map": {tensor: shard file}}). Tensors
// are views into the mappings, valid while this object lives. Thread-safe (read-only).
class CheckpointTensors {
 public:
  // `weights_file` in `dir`; when it is absent and `weights_file`.index.json exists, its shards.
  static Result<std::unique_ptr<CheckpointTensors>> Open(const std::string& dir, const std::string& weights_file);
  // As SafeTensors::GetFloat and ToFloat, in whichever file holds the tensor.
  Result<TensorView> GetFloat(const std::string& name, const std::vector<int64_t>& shape) const;
  Result<std::vector<float>> ToFloat(const std::string& name, const std::vector<int64_t>& shape) const;
  size_t file_count() const { return files_.size(); }

 private:
  Result<const SafeTensors*> FileOf(const std::string& name) const;
  std::string index_path_;  // empty for a single file
  std::vector<std::unique_ptr<SafeTensors>> files_;
  std::map<std::string, const SafeTensors*> file_of_;
};

float HalfToFloat(uint16_t half);
std::string ShapeText(const std::vector<int64_t>& shape);  // "[80, 3000]"

}  // namespace reflexio
