-- Open and acknowledged alerts by kind, severity and age (days since first seen).
SELECT kind, severity, owner_role,
       multiIf(age_days < 1, '0: < 1 day', age_days < 7, '1: 1-7 days', age_days < 30, '2: 7-30 days', '3: > 30 days') AS age,
       count() AS alerts
FROM (SELECT kind, severity, owner_role, dateDiff('hour', first_seen, now64(3)) / 24 AS age_days
      FROM alerts FINAL WHERE status IN ('open', 'acknowledged'))
GROUP BY kind, severity, owner_role, age
ORDER BY kind, age
