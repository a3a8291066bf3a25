-- One row per grant year and county of that year's structure: figure 1 of the report.
-- Every county of the year appears, with zeros when it granted nothing. unspent_nok is
-- allocation - granted - competence building; it is an upper bound when a grant amount could
-- not be read (n_grant_amount_missing > 0, see cleaning_issues). allocation_source says where
-- the allocation comes from: the report prints allocations only when it names an official source.

with counties as (

    select * from {{ ref('counties') }}
    where grant_year = {{ grant_year }}

),

projects as (

    select * from {{ ref('projects') }}
    where grant_year = {{ grant_year }}

),

competence_building as (

    select * from {{ ref('competence_building') }}
    where grant_year = {{ grant_year }}

),

allocations as (

    select * from {{ ref('allocations') }}
    where grant_year = {{ grant_year }}

),

project_totals as (

    select
        county,
        count(*) as n_projects,
        sum(case when intercommunal = true then 1 else 0 end) as n_intercommunal,
        coalesce(sum(grant_amount_nok), 0) as granted_nok,
        sum(case when grant_amount_nok is null then 1 else 0 end) as n_grant_amount_missing

    from projects
    group by county

),

joined as (

    select
        counties.grant_year,
        counties.county_no,
        counties.county,
        coalesce(project_totals.n_projects, 0) as n_projects,
        coalesce(project_totals.n_intercommunal, 0) as n_intercommunal,
        coalesce(project_totals.granted_nok, 0) as granted_nok,
        coalesce(project_totals.n_grant_amount_missing, 0) as n_grant_amount_missing,
        coalesce(competence_building.competence_total_nok, 0) as competence_nok,
        allocations.allocation_nok,
        allocations.source as allocation_source

    from counties
    left join project_totals on project_totals.county = counties.county
    left join competence_building on competence_building.county = counties.county
    left join allocations on allocations.county = counties.county

),

final as (

    select
        grant_year,
        county_no,
        county,
        n_projects,
        n_intercommunal,
        granted_nok,
        n_grant_amount_missing,
        competence_nok,
        allocation_nok,
        allocation_nok - granted_nok - competence_nok as unspent_nok,
        allocation_source

    from joined

)

select * from final
