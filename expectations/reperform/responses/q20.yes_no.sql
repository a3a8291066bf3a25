/* Responses of the grant year whose q20 is neither Ja nor Nei: no Ja/Nei in responses.intercommunal and the
   answer as exported kept in cleaning_issues (q20.yes_no). */
SELECT r.response_id
FROM responses r
WHERE r.grant_year = {{ grant_year }} AND r.intercommunal IS NULL
  AND EXISTS (SELECT 1 FROM cleaning_issues ci
              WHERE ci.grant_year = r.grant_year AND ci.response_id = r.response_id
                AND ci.question_id = 'q20' AND ci.rule = 'q20.yes_no')
