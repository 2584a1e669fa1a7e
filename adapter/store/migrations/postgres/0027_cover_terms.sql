-- A cover keeps its payer's commercial terms as they were when the cover
-- named the payer (issue 17: billing from the snapshot of the rental's terms
-- and cover): covered parts, caps, agreed rates, payment term, collective
-- billing, as JSON. '' for covers set before: their payer's current terms.
ALTER TABLE reservation_covers ADD COLUMN payer_terms text NOT NULL DEFAULT '';
