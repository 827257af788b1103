#include "asr/engine_pool.h"

#include <chrono>

namespace reflexio {

Result<std::unique_ptr<EnginePool>> EnginePool::Create(int threads, const AsrEngineFactory& factory) {
  std::unique_ptr<EnginePool> pool(new EnginePool());
  for (int i = 0; i < std::max(1, threads); ++i) {
    ASSIGN_OR_RETURN(auto engine, factory());
    if (engine->UsesEveryCore()) threads = 1;  // more would only make them contend for the cores
    pool->engine_name_ = engine->Name();
    pool->packed_window_s_ = engine->PackedWindowSeconds();
    pool->engines_.push_back(std::move(engine));
  }
  for (auto& engine : pool->engines_) {
    pool->threads_.emplace_back([p = pool.get(), e = engine.get()] { p->Run(e); });
  }
  return pool;
}

EnginePool::~EnginePool() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

Status EnginePool::Ready() const {
  RETURN_IF_ERROR(engines_.front()->Ready());
  MutexLock lock(mutex_);
  if (consecutive_failures_ < kFailuresUnready) return Status::Ok();
  return Unavailable("the last " + std::to_string(consecutive_failures_) + " transcriptions failed, the last with: " +
                         last_failure_.message(),
                     "asr_failing");
}

std::future<Result<Recognition>> EnginePool::Submit(std::vector<float> samples, bool local_only) {
  Task task{std::move(samples), local_only, {}};
  auto future = task.promise.get_future();
  {
    MutexLock lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
  return future;
}

void EnginePool::Run(AsrEngine* engine) {
  while (true) {
    Task task;
    {
      MutexLock lock(mutex_);
      while (!stopping_ && tasks_.empty()) lock.Wait(ready_);
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    auto started = std::chrono::steady_clock::now();
    Result<Recognition> result = task.local_only ? engine->TranscribeLocally(task.samples) : engine->Transcribe(task.samples);
    if (result.ok()) {
      result->compute_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    {
      MutexLock lock(mutex_);
      // A tenant's opt-out refusing the remote engine says nothing about the engine.
      if (result.ok()) {
        consecutive_failures_ = 0;
      } else if (result.status().reason() != "remote_refused") {
        ++consecutive_failures_;
        last_failure_ = result.status();
      }
    }
    task.promise.set_value(std::move(result));
  }
}

}  // namespace reflexio
