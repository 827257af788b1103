#include "model/digest.h"

#include "model/enum_text.h"

namespace reflexio {

namespace {

constexpr EnumText<DigestStatus> kDigestStatuses[] = {
    {DigestStatus::kGenerating, "generating"}, {DigestStatus::kReady, "ready"}, {DigestStatus::kFailed, "failed"}};
constexpr EnumText<DeliveryState> kDeliveryStates[] = {{DeliveryState::kPending, "pending"},
                                                       {DeliveryState::kSent, "sent"},
                                                       {DeliveryState::kFailed, "failed"},
                                                       {DeliveryState::kSkipped, "skipped"}};
constexpr EnumText<DeliveryOrigin> kDeliveryOrigins[] = {{DeliveryOrigin::kSchedule, "schedule"},
                                                         {DeliveryOrigin::kCommand, "command"}};

}  // namespace

const char* ToString(DigestStatus status) { return TextOf(kDigestStatuses, status); }
const char* ToString(DeliveryState state) { return TextOf(kDeliveryStates, state); }
const char* ToString(DeliveryOrigin origin) { return TextOf(kDeliveryOrigins, origin); }
std::optional<DigestStatus> ParseDigestStatus(std::string_view text) { return EnumOf(kDigestStatuses, text); }
std::optional<DeliveryState> ParseDeliveryState(std::string_view text) { return EnumOf(kDeliveryStates, text); }
std::optional<DeliveryOrigin> ParseDeliveryOrigin(std::string_view text) { return EnumOf(kDeliveryOrigins, text); }

}  // namespace reflexio
