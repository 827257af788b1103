#include "asr/whisper/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "asr/whisper/checkpoint_json.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

Result<std::pair<TensorType, size_t>> ParseType(const std::string& dtype) {
  if (dtype == "F32") return std::pair{TensorType::kF32, size_t{4}};
  if (dtype == "F16") return std::pair{TensorType::kF16, size_t{2}};
  if (dtype == "BF16") return std::pair{TensorType::kBF16, size_t{2}};
  if (dtype == "I64") return std::pair{TensorType::kI64, size_t{8}};
  if (dtype == "I32") return std::pair{TensorType::kI32, size_t{4}};
  return InvalidArgument("unsupported tensor dtype " + dtype, "invalid_model");
}

}  // namespace

int64_t TensorView::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

float HalfToFloat(uint16_t half) {
  uint32_t sign = static_cast<uint32_t>(half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1F;
  uint32_t mantissa = half & 0x3FF;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
    }
  } else if (exponent == 0x1F) {
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

SafeTensors::~SafeTensors() {
  if (map_ != nullptr) munmap(map_, size_);
}

Result<std::unique_ptr<SafeTensors>> SafeTensors::Open(const std::string& path) {
  std::unique_ptr<SafeTensors> file(new SafeTensors());
  file->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound(path + ": " + std::strerror(errno), "model_missing");
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size < 8) {
    ::close(fd);
    return InvalidArgument(path + " is not a safetensors file (too short)", "invalid_model");
  }
  file->size_ = static_cast<size_t>(st.st_size);
  void* map = mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return Internal(path + ": cannot map: " + std::strerror(errno));
  file->map_ = map;
  const auto* bytes = static_cast<const uint8_t*>(map);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[i];
  if (header_size > file->size_ - 8) {
    return InvalidArgument(path + " is truncated or not a safetensors file (header of " + std::to_string(header_size) +
                               " bytes in a file of " + std::to_string(file->size_) + ")",
                           "invalid_model");
  }
  json header = json::parse(bytes + 8, bytes + 8 + header_size, nullptr, false);
  if (!header.is_object()) return InvalidArgument(path + ": the safetensors header is not JSON", "invalid_model");
  const uint8_t* data = bytes + 8 + header_size;
  size_t data_size = file->size_ - 8 - header_size;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets")) {
      return InvalidArgument(path + ": tensor " + name + " lacks dtype, shape or data_offsets", "invalid_model");
    }
    ASSIGN_OR_RETURN(auto type, ParseType(entry["dtype"].get<std::string>()));
    TensorView view;
    view.type = type.first;
    for (const auto& d : entry["shape"]) view.shape.push_back(d.get<int64_t>());
    uint64_t begin = entry["data_offsets"][0].get<uint64_t>();
    uint64_t end = entry["data_offsets"][1].get<uint64_t>();
    if (begin > end || end > data_size) {
      return InvalidArgument(path + " is truncated: tensor " + name + " ends at byte " + std::to_string(end) +
                                 " of " + std::to_string(data_size),
                             "invalid_model");
    }
    if (end - begin != static_cast<uint64_t>(view.elements()) * type.second) {
      return InvalidArgument(path + ": tensor " + name + " holds " + std::to_string(end - begin) +
                                 " bytes, not what " + ShapeText(view.shape) + " needs",
                             "invalid_model");
    }
    view.data = data + begin;
    view.bytes = end - begin;
    file->tensors_.emplace(name, std::move(view));
  }
  return file;
}

Result<TensorView> SafeTensors::Get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) return NotFound(path_ + " has no tensor " + name, "model_mismatch");
  return it->second;
}

Result<TensorView> SafeTensors::GetFloat(const std::string& name, const std::vector<int64_t>& shape) const {
  ASSIGN_OR_RETURN(TensorView view, Get(name));
  if (view.shape != shape) {
    return InvalidArgument(path_ + ": tensor " + name + " is " + ShapeText(view.shape) + ", the configuration needs " +
                               ShapeText(shape),
                           "model_mismatch");
  }
  if (view.type != TensorType::kF32 && view.type != TensorType::kF16 && view.type != TensorType::kBF16) {
    return InvalidArgument(path_ + ": tensor " + name + " is not floating point", "model_mismatch");
  }
  return view;
}

Result<std::vector<float>> SafeTensors::ToFloat(const std::string& name, const std::vector<int64_t>& shape) const {
  ASSIGN_OR_RETURN(TensorView view, GetFloat(name, shape));
  std::vector<float> out(static_cast<size_t>(view.elements()));
  switch (view.type) {
    case TensorType::kF32:
      std::memcpy(out.data(), view.data, view.bytes);
      break;
    case TensorType::kF16:
      for (size_t i = 0; i < out.size(); ++i) {
        uint16_t h;
        std::memcpy(&h, view.data + 2 * i, 2);
        out[i] = HalfToFloat(h);
      }
      break;
    case TensorType::kBF16:
      for (size_t i = 0; i < out.size(); ++i) {
        uint16_t h;
        std::memcpy(&h, view.data + 2 * i, 2);
        uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&out[i], &bits, 4);
      }
      break;
    default:  // integers: GetFloat let none through
      break;
  }
  return out;
}

Result<std::unique_ptr<CheckpointTensors>> CheckpointTensors::Open(const std::string& dir,
                                                                   const std::string& weights_file) {
  namespace fs = std::filesystem;
  std::unique_ptr<CheckpointTensors> checkpoint(new CheckpointTensors());
  fs::path single = fs::path(dir) / weights_file;
  fs::path index = fs::path(dir) / (weights_file + ".index.json");
  if (fs::exists(single) || !fs::exists(index)) {
    ASSIGN_OR_RETURN(auto file, SafeTensors::Open(single.string()));
    checkpoint->files_.push_back(std::move(file));
    return checkpoint;
  }
  checkpoint->index_path_ = index.string();
  ASSIGN_OR_RETURN(json map, ReadCheckpointJson(index));
  if (!map.contains("weight_map") || !map["weight_map"].is_object()) {
    return InvalidArgument(index.string() + " has no weight_map", "invalid_model");
  }
  std::map<std::string, const SafeTensors*> opened;
  for (const auto& [tensor, shard] : map["weight_map"].items()) {
    if (!shard.is_string()) return InvalidArgument(index.string() + ": " + tensor + " names no file", "invalid_model");
    const std::string name = shard.get<std::string>();
    if (name.find('/') != std::string::npos) {
      return InvalidArgument(index.string() + ": shard " + name + " is outside the model directory", "invalid_model");
    }
    auto it = opened.find(name);
    if (it == opened.end()) {
      ASSIGN_OR_RETURN(auto file, SafeTensors::Open((fs::path(dir) / name).string()));
      it = opened.emplace(name, file.get()).first;
      checkpoint->files_.push_back(std::move(file));
    }
    checkpoint->file_of_[tensor] = it->second;
  }
  return checkpoint;
}

Result<const SafeTensors*> CheckpointTensors::FileOf(const std::string& name) const {
  if (index_path_.empty()) return files_.front().get();
  auto it = file_of_.find(name);
  if (it == file_of_.end()) return NotFound(index_path_ + " names no file for tensor " + name, "model_mismatch");
  return it->second;
}

Result<TensorView> CheckpointTensors::GetFloat(const std::string& name, const std::vector<int64_t>& shape) const {
  ASSIGN_OR_RETURN(const SafeTensors* file, FileOf(name));
  return file->GetFloat(name, shape);
}

Result<std::vector<float>> CheckpointTensors::ToFloat(const std::string& name, const std::vector<int64_t>& shape) const {
  ASSIGN_OR_RETURN(const SafeTensors* file, FileOf(name));
  return file->ToFloat(name, shape);
}

}  // namespace reflexio
