// A local HTTP peer speaking the part of Letta's REST API that LettaSync uses, for tests only:
// memory blocks listed by label (`GET /v1/blocks/?label=`), created (`POST /v1/blocks/`, 201
// with the block), read (`GET /v1/blocks/{id}`) and modified (`PATCH /v1/blocks/{id}`), behind
// a bearer key. Values longer than a block's limit are refused with 422, as Letta does.
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "core/mutex.h"
#include "core/testing/local_http_peer.h"

namespace reflexio::testing {

class LettaPeer {
 public:
  explicit LettaPeer(std::string api_key);
  std::string base_url() const { return server_->base_url(); }
  std::map<std::string, nlohmann::json> blocks();  // id → block
  int requests() const { return requests_; }

 private:
  PeerResponse Handle(const PeerRequest& request);
  std::string api_key_;
  Mutex mutex_;
  std::map<std::string, nlohmann::json> blocks_ GUARDED_BY(mutex_);
  int next_id_ GUARDED_BY(mutex_) = 1;
  std::atomic<int> requests_{0};
  std::unique_ptr<LocalHttpPeer> server_;  // last: stopped first
};

}  // namespace reflexio::testing
