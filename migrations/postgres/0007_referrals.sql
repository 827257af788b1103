-- Referral codes and their redemptions (the referral logic comes later). A redemption belongs
-- to the tenant who redeemed it.
CREATE TABLE referral_codes (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  code        text PRIMARY KEY,
  created_at  timestamptz NOT NULL
);

CREATE TABLE referral_redemptions (
  tenant_id        text NOT NULL REFERENCES tenants(id),
  code             text NOT NULL REFERENCES referral_codes(code),
  redeemed_at      timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, code)
);
GRANT SELECT, INSERT ON referral_codes, referral_redemptions TO reflexio_app;

SELECT isolate_tenant_table(t) FROM unnest(ARRAY['referral_codes', 'referral_redemptions']) AS t;
