/* Counties of the grant year's structure without a competence-building report. */
SELECT s.county
FROM counties s
WHERE s.grant_year = {{ grant_year }}
  AND NOT EXISTS (SELECT 1 FROM competence_building c
                  LEFT JOIN responses r ON r.grant_year = c.grant_year AND r.response_id = c.response_id
                  WHERE c.grant_year = s.grant_year AND COALESCE(c.county, r.county_reported) = s.county)
