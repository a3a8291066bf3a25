-- One row per grant year and headline figure of the report's sections 4-5, under fixed metric
-- names. Counts and percentages are separate metrics (pct_x beside n_x). Percentages are of all
-- projects, except collaboration partners (of collaborative projects), and are taken from the
-- marts that break them down, so the summary and the figures cannot disagree. The one figure
-- no mart breaks down, user or volunteer organisation involved ("Brukerorganisasjoner og andre
-- frivillige organisasjoner var totalt involvert i …"), counts each project once.

with projects as (

    select * from {{ ref('projects') }}
    where grant_year = {{ grant_year }}

),

target_groups as (

    select * from {{ ref('mart_target_groups') }}
    where grant_year = {{ grant_year }}

),

collaboration as (

    select * from {{ ref('mart_collaboration') }}
    where grant_year = {{ grant_year }}

),

lead_service as (

    select * from {{ ref('mart_lead_service') }}
    where grant_year = {{ grant_year }}

),

competence_building as (

    select * from {{ ref('competence_building') }}
    where grant_year = {{ grant_year }}

),

project_attainment as (

    select * from {{ ref('project_attainment') }}
    where grant_year = {{ grant_year }}

),

projects_per_county as (

    select county, count(*) as n_projects
    from projects
    where county is not null
    group by county

),

county_figures as (

    select
        count(*) as n_counties,
        min(n_projects) as min_projects_per_county,
        max(n_projects) as max_projects_per_county

    from projects_per_county

),

project_figures as (

    select
        count(*) as n_projects,
        sum(case when intercommunal = true then 1 else 0 end) as n_intercommunal,
        sum(case when is_collaborative = true then 1 else 0 end) as n_collaborative,
        sum(case when collab_none = true then 1 else 0 end) as n_not_collaborative,
        sum(case when is_collaborative = true and (collab_user_org = true or collab_volunteer_org = true)
            then 1 else 0 end) as n_collab_user_or_volunteer_org,
        sum(case when project_report_delivered = false then 1 else 0 end) as n_report_not_delivered

    from projects

),

target_figures as (

    select
        max(case when question_id = 'q15' and target_group = 'both' then pct_of_projects end) as pct_target_both,
        max(case when question_id = 'q15' and target_group = 'other' then pct_of_projects end) as pct_target_other,
        max(case when target_group = 'diagnosis_independent' then pct_of_projects end) as pct_diagnosis_independent,
        max(case when target_group = 'diagnosis_specific' then pct_of_projects end) as pct_diagnosis_specific

    from target_groups

),

collaboration_figures as (

    select
        max(case when partner = 'frisklivssentral' then n_projects end) as n_collab_frisklivssentral,
        max(case when partner = 'frisklivssentral' then pct_of_collaborative end) as pct_collab_frisklivssentral,
        max(case when partner = 'other_municipal' then pct_of_collaborative end) as pct_collab_other_municipal

    from collaboration

),

lead_figures as (

    select
        max(case when lead_service = 'frisklivssentral' then pct_of_projects end) as pct_lead_frisklivssentral,
        max(case when lead_service = 'physio_ergo' then pct_of_projects end) as pct_lead_physio_ergo,
        max(case when lead_service = 'mental_health' then pct_of_projects end) as pct_lead_mental_health,
        max(case when lead_service = 'gp' then pct_of_projects end) as pct_lead_gp,
        max(case when lead_service = 'other' then pct_of_projects end) as pct_lead_other

    from lead_service

),

competence_figures as (

    select
        sum(case when competence_used = true then 1 else 0 end) as n_counties_competence_used,
        sum(case when competence_used = false then 1 else 0 end) as n_counties_competence_not_used,
        coalesce(sum(competence_total_nok), 0) as competence_total_nok

    from competence_building

),

goals_per_project as (

    select
        response_id,
        sum(case when answer in ('Ja', 'Delvis', 'Nei') then 1 else 0 end) as n_goals,
        count(*) as n_criteria

    from project_attainment
    group by response_id

),

goal_figures as (

    -- a project has a criterion as its goal when it answered Ja, Delvis or Nei (as in mart_attainment)
    select
        sum(case when n_goals = n_criteria then 1 else 0 end) as n_projects_all_goals,
        sum(case when n_goals = 0 then 1 else 0 end) as n_projects_no_goal

    from goals_per_project

),

figures as (

    select
        county_figures.*,
        project_figures.*,
        {{ pct('project_figures.n_intercommunal', 'project_figures.n_projects') }} as pct_intercommunal,
        {{ pct('project_figures.n_collaborative', 'project_figures.n_projects') }} as pct_collaborative,
        {{ pct('project_figures.n_not_collaborative', 'project_figures.n_projects') }} as pct_not_collaborative,
        {{ pct('project_figures.n_report_not_delivered', 'project_figures.n_projects') }} as pct_report_not_delivered,
        -- the mean number of projects per county, a whole number rounded half up (as pct, without the 100)
        case when county_figures.n_counties > 0
            then (2 * cast(project_figures.n_projects as bigint) + cast(county_figures.n_counties as bigint))
                 / (2 * cast(county_figures.n_counties as bigint)) end as avg_projects_per_county,
        {{ pct('project_figures.n_collab_user_or_volunteer_org', 'project_figures.n_collaborative') }}
            as pct_collab_user_or_volunteer_org,
        target_figures.*,
        collaboration_figures.*,
        lead_figures.*,
        competence_figures.*,
        goal_figures.*

    from county_figures
    cross join project_figures
    cross join target_figures
    cross join collaboration_figures
    cross join lead_figures
    cross join competence_figures
    cross join goal_figures

),

metrics as (

    select 'n_counties' as metric, n_counties as value from figures
    union all select 'n_projects', n_projects from figures
    union all select 'min_projects_per_county', min_projects_per_county from figures
    union all select 'max_projects_per_county', max_projects_per_county from figures
    union all select 'avg_projects_per_county', avg_projects_per_county from figures
    union all select 'n_intercommunal', n_intercommunal from figures
    union all select 'pct_intercommunal', pct_intercommunal from figures
    union all select 'pct_target_both', pct_target_both from figures
    union all select 'pct_target_other', pct_target_other from figures
    union all select 'pct_diagnosis_independent', pct_diagnosis_independent from figures
    union all select 'pct_diagnosis_specific', pct_diagnosis_specific from figures
    union all select 'n_collaborative', n_collaborative from figures
    union all select 'pct_collaborative', pct_collaborative from figures
    union all select 'n_not_collaborative', n_not_collaborative from figures
    union all select 'pct_not_collaborative', pct_not_collaborative from figures
    union all select 'n_collab_frisklivssentral', n_collab_frisklivssentral from figures
    union all select 'pct_collab_frisklivssentral', pct_collab_frisklivssentral from figures
    union all select 'pct_collab_other_municipal', pct_collab_other_municipal from figures
    union all select 'pct_collab_user_or_volunteer_org', pct_collab_user_or_volunteer_org from figures
    union all select 'pct_lead_frisklivssentral', pct_lead_frisklivssentral from figures
    union all select 'pct_lead_physio_ergo', pct_lead_physio_ergo from figures
    union all select 'pct_lead_mental_health', pct_lead_mental_health from figures
    union all select 'pct_lead_gp', pct_lead_gp from figures
    union all select 'pct_lead_other', pct_lead_other from figures
    union all select 'n_counties_competence_used', n_counties_competence_used from figures
    union all select 'n_counties_competence_not_used', n_counties_competence_not_used from figures
    union all select 'competence_total_nok', competence_total_nok from figures
    union all select 'n_report_not_delivered', n_report_not_delivered from figures
    union all select 'pct_report_not_delivered', pct_report_not_delivered from figures
    union all select 'n_projects_all_goals', coalesce(n_projects_all_goals, 0) from figures
    union all select 'n_projects_no_goal', coalesce(n_projects_no_goal, 0) from figures

),

final as (

    select
        {{ grant_year }} as grant_year,
        metric,
        value

    from metrics

)

select * from final
