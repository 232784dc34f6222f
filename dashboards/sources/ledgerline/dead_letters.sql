-- Refused input records by reason (the text before its first detail) and source.
SELECT source_name AS source, leftUTF8(trim(BOTH ' ' FROM replaceRegexpAll(splitByChar(':', reason)[1], '"[^"]*"', '…')), 40) AS reason_kind, reason, count() AS records, max(received_at) AS last_received
FROM dead_letters FINAL
GROUP BY source, reason_kind, reason
ORDER BY records DESC, reason
