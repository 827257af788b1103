// GET /, /health, /metrics/prometheus and /v1/openapi.json: what an operator, a load balancer and a client generator ask.
#include <nlohmann/json.hpp>

#include "api/json_views.h"
#include "api/openapi.h"
#include "api/resources.h"
#include "core/file_util.h"
#include "version.h"

namespace reflexio {

using nlohmann::json;

namespace {

// How long a digest delivery may keep failing before /health says so.
constexpr double kDeliveryAgeDegraded_s = 3600;

// The outbox as /health and the metrics report it: failures of the last 24 hours.
Result<DeliveryStats> RecentDeliveryStats(DeliveryOutbox& outbox, const Clock& clock) {
  return outbox.GetDeliveryStats(AddSeconds(clock.Now(), -86400));
}

}  // namespace

void SystemApi::Register(Router& router) {
  router.Add("GET", "/", "Service name, version and the endpoints",
             [this, &router](ServerRequest&) { return Index(router); }, false);
  router.Add("GET", "/health", "Health checks; 503 when degraded", [this](ServerRequest&) { return Health(); }, false);
  router.Add("GET", "/metrics/prometheus", "Prometheus metrics",
             [this](ServerRequest&) { return PrometheusMetrics(); }, false);
  router.Add("GET", "/v1/openapi.json", "This API as OpenAPI 3.1: every route's parameters, bodies and answers",
             [&router](ServerRequest&) { return ServerResponse::Json(200, OpenApiDocument(router)); }, false);
}

ServerResponse SystemApi::Index(const Router& router) {
  json endpoints = json::array();
  for (const Route& route : router.routes()) {
    endpoints.push_back({{"method", route.method}, {"path", route.pattern}, {"summary", route.summary},
                         {"auth", route.access == Access::kOpen     ? "none"
                                  : route.access == Access::kTenant ? "bearer"
                                                                    : "operator"}});
  }
  return ServerResponse::Json(200, {{"service", "reflexio"}, {"version", kReflexioVersion}, {"endpoints", endpoints}});
}

ServerResponse SystemApi::Health() {
  json checks = json::object();
  bool healthy = true;
  auto check = [&](const std::string& name, bool ok, json detail) {
    detail["ok"] = ok;
    checks[name] = std::move(detail);
    healthy = healthy && ok;
  };
  Status writable = deps_.jobs.CheckWritable();
  check("database", writable.ok(), writable.ok() ? json{{"writable", true}} : json{{"error", writable.message()}});
  auto free_bytes = FreeDiskBytes(deps_.config.data_dir);
  if (free_bytes.ok()) {
    check("disk", *free_bytes >= deps_.config.min_free_disk_bytes,
          {{"free_bytes", *free_bytes}, {"min_free_bytes", deps_.config.min_free_disk_bytes}});
  } else {
    check("disk", false, {{"error", free_bytes.status().message()}});
  }
  Status store = deps_.blobs.Check();
  check("object_store", store.ok(),
        store.ok() ? json{{"backend", deps_.blobs.Describe()}} : json{{"backend", deps_.blobs.Describe()}, {"error", store.message()}});
  if (deps_.engines) {
    Status ready = deps_.engines->Ready();
    json detail = {{"engine", deps_.engines->engine_name()}};
    if (!ready.ok()) detail["error"] = ready.message();
    check("asr", ready.ok(), std::move(detail));
  }
  auto stats = deps_.jobs.GetQueueStats();
  if (stats.ok()) {
    check("queue", stats->oldest_queued_age_s <= deps_.config.queue_age_degraded_s,
          {{"depth", stats->queued}, {"running", stats->running}, {"dead", stats->dead},
           {"oldest_queued_age_seconds", Millis(stats->oldest_queued_age_s)},
           {"max_age_seconds", deps_.config.queue_age_degraded_s}});
  } else {
    check("queue", false, {{"error", stats.status().message()}});
  }
  // Digest deliveries: any given up on in the last day, or one that has kept failing for an hour.
  if (deps_.outbox != nullptr) {
    auto deliveries = RecentDeliveryStats(*deps_.outbox, *deps_.clock);
    if (deliveries.ok()) {
      check("telegram", deliveries->failed == 0 && deliveries->oldest_pending_age_s <= kDeliveryAgeDegraded_s,
            {{"configured", !deps_.config.telegram.bot_token.empty()}, {"pending", deliveries->pending},
             {"failed_last_24h", deliveries->failed},
             {"oldest_pending_age_seconds", Millis(deliveries->oldest_pending_age_s)},
             {"max_age_seconds", kDeliveryAgeDegraded_s}});
    } else {
      check("telegram", false, {{"error", deliveries.status().message()}});
    }
  }
  return ServerResponse::Json(healthy ? 200 : 503, {{"status", healthy ? "ok" : "degraded"}, {"checks", checks}});
}

ServerResponse SystemApi::PrometheusMetrics() {
  if (auto stats = deps_.jobs.GetQueueStats(); stats.ok()) {
    deps_.metrics.SetQueueDepth("queued", static_cast<double>(stats->queued));
    deps_.metrics.SetQueueDepth("running", static_cast<double>(stats->running));
    deps_.metrics.SetQueueDepth("dead", static_cast<double>(stats->dead));
    deps_.metrics.SetOldestQueuedAge(stats->oldest_queued_age_s);
  }
  if (deps_.outbox != nullptr) {
    if (auto deliveries = RecentDeliveryStats(*deps_.outbox, *deps_.clock); deliveries.ok()) {
      deps_.metrics.SetDigestDeliveryBacklog(static_cast<double>(deliveries->pending),
                                             static_cast<double>(deliveries->failed));
    }
  }
  if (deps_.billing != nullptr) {
    TimePoint now = deps_.clock->Now();
    if (auto stats = deps_.billing->GetConversionStats(AddSeconds(now, -30 * 86400.0), now, now); stats.ok()) {
      for (const auto& [figure, value] : stats->Named()) deps_.metrics.SetBillingFigure(figure, "30d", static_cast<double>(value));
    }
  }
  if (auto free_bytes = FreeDiskBytes(deps_.config.data_dir); free_bytes.ok()) {
    deps_.metrics.SetDiskBytes(static_cast<double>(*free_bytes), static_cast<double>(deps_.config.min_free_disk_bytes));
  }
  ServerResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = deps_.metrics.Serialize();
  return r;
}

}  // namespace reflexio
