// `reflexio digest --once [--date D] [--tenant NAME] [--format F] [--output FILE] [--no-telegram]`:
// builds one tenant's digest of one day now (the scheduler builds them every evening), prints it
// or writes it to a file, and sends it to Telegram through the outbox. Exit status: 0 built (and
// delivered, or there is nowhere to deliver it), 1 the build or the delivery failed (a delivery
// Telegram did not take stays in the outbox, and a running server retries it), 2 bad usage.
#include <chrono>
#include <iostream>
#include <thread>

#include "app/flags.h"
#include "core/file_util.h"
#include "core/http_client.h"
#include "digest/service.h"
#include "digest/telegram_outbox.h"
#include "understanding/enricher.h"
#include "understanding/providers.h"

namespace reflexio {

namespace {

// How long the command keeps trying (rate limits, short outages) before leaving it to the server.
constexpr double kCommandDeliveryPatience_s = 60;

int DeliverDigest(const Stores& stores, const Config& config, const Digest& digest) {
  CurlHttpClient http;
  OutboundGuard guard(stores.privacy, config, nullptr);
  TelegramOutbox outbox(stores, http, TelegramOutboxOptionsFor(config), &guard);
  auto queued = outbox.Enqueue(digest, DeliveryOrigin::kCommand, /*replace=*/true);
  if (!queued.ok()) return Fail("not sent to Telegram: " + queued.status().message());
  if (queued->state == DeliveryState::kSkipped) {
    std::cerr << "not sent to Telegram: " << queued->last_error << "\n";
    return 0;
  }
  std::cerr << "sending it to Telegram (" << queued->messages.size() << " message(s) and the PDF)\n";
  TimePoint give_up = AddSeconds(SystemClock::Instance().Now(), kCommandDeliveryPatience_s);
  while (true) {
    auto left = outbox.DeliverNow(digest.tenant_id, digest.date, DeliveryOrigin::kCommand);
    if (!left.ok()) return Fail("Telegram delivery: " + left.status().message());
    if (left->state == DeliveryState::kSent) {
      std::cerr << "delivered to Telegram chat " << left->chat_id << "\n";
      return 0;
    }
    if (left->state == DeliveryState::kFailed) return Fail("not delivered to Telegram: " + left->last_error);
    if (left->state != DeliveryState::kPending || left->next_attempt_at > give_up) {
      return Fail("not delivered yet (" + left->last_error + "); it stays in the outbox and the server retries it");
    }
    std::cerr << "Telegram did not take it (" << left->last_error << "); trying again at "
              << FormatRfc3339(left->next_attempt_at) << "\n";
    std::this_thread::sleep_until(left->next_attempt_at);
  }
}

}  // namespace

int DigestCommand(const Args& args) {
  CommonFlags flags;
  std::string date = "today", tenant_name, format = "json", output;
  po::options_description options("options");
  options.add_options()
      ("once", po::bool_switch(), "build one digest now (required: the scheduler builds the rest)")
      ("date", po::value(&date)->value_name("DATE"), "today (default), yesterday, or YYYY-MM-DD, in the tenant's zone")
      ("tenant", po::value(&tenant_name)->value_name("NAME"), "whose digest (default: the only tenant)")
      ("format", po::value(&format)->value_name("F"), "json (default), md or pdf")
      ("output", po::value(&output)->value_name("FILE"), "write it to FILE instead of standard output")
      ("no-telegram", po::bool_switch(), "do not send it to Telegram");
  AddCommonFlags(options, flags, false);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio digest --once [--date today|yesterday|YYYY-MM-DD] [--tenant NAME]\n"
                         "                      [--format json|md|pdf] [--output FILE] [--no-telegram]\n\n"
                         "Builds the digest of a day now — rebuilding it even if one is stored — prints it, and sends\n"
                         "it to the tenant's Telegram chat (TELEGRAM_BOT_TOKEN; the chat from /v1/settings, else\n"
                         "TELEGRAM_CHAT_ID on a single-tenant server). Exit status: 0 done, 1 the build or the\n"
                         "delivery failed (an undelivered digest stays in the outbox for the server to retry), 2 bad usage.",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  if (!(*vars)["once"].as<bool>()) return Fail("say --once: the scheduler builds digests every evening", 2);
  if (format != "json" && format != "md" && format != "pdf") return Fail("--format must be json, md or pdf", 2);
  if (format == "pdf" && output.empty()) return Fail("a PDF needs --output FILE", 2);
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto storage = OpenStorage(*config);
  if (!storage.ok()) return Fail(storage.status().message());
  auto tenants = storage->stores().tenants.ListTenants();
  if (!tenants.ok()) return Fail(tenants.status().message());
  const Tenant* tenant = nullptr;
  for (const Tenant& t : *tenants) {
    if (tenant_name.empty() ? tenants->size() == 1 : t.name == tenant_name) tenant = &t;
  }
  if (tenant == nullptr) {
    return Fail(tenant_name.empty() ? "there are " + std::to_string(tenants->size()) + " tenants: name one with --tenant"
                                    : "no tenant named '" + tenant_name + "'",
                2);
  }
  // Today's conversations not understood yet are understood on the spot, provisionally.
  std::shared_ptr<Provider> provider = MakeUnderstandingProvider(*config, storage->stores(), nullptr);
  Enricher on_the_spot(storage->stores(), *provider, SystemClock::Instance(), nullptr, config->timezone);
  DigestService service(storage->stores(), *config, SystemClock::Instance(), &on_the_spot);
  auto day = service.ResolveDate(tenant->id, date);
  if (!day.ok()) return Fail(day.status().message(), 2);
  std::cerr << "building the digest of " << *day << " for tenant " << tenant->name << "\n";
  auto digest = service.Rebuild(tenant->id, *day);
  if (!digest.ok()) return Fail(digest.status().message());
  const std::string& body = format == "md" ? digest->markdown : format == "pdf" ? digest->pdf : digest->content_json;
  if (output.empty()) {
    std::cout << body << (format == "json" ? "\n" : "");
  } else {
    Status written = WriteFileDurably(output, body);
    if (!written.ok()) return Fail(written.message());
    std::cerr << "wrote " << output << " (" << body.size() << " bytes)\n";
  }
  if ((*vars)["no-telegram"].as<bool>()) return 0;
  return DeliverDigest(storage->stores(), *config, *digest);
}

}  // namespace reflexio
