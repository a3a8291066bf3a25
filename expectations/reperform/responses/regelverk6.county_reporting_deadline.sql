/* Responses of the grant year completed after the end of the county's reporting deadline,
   {{ county_deadline }} (Europe/Oslo wall-clock time, as the export records it). */
SELECT r.response_id
FROM responses r
WHERE r.grant_year = {{ grant_year }} AND r.completion_time >= '{{ day_after_county_deadline }}'
