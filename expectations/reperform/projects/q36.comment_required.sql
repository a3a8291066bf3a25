/* Projects of the grant year that answered Delvis or Nei to an attainment criterion (q24..q35) and
   left the comment (q36) empty. */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.attainment_comment IS NULL
  AND EXISTS (SELECT 1 FROM project_attainment a
              WHERE a.grant_year = p.grant_year AND a.response_id = p.response_id
                AND a.answer IN ('Delvis', 'Nei'))
