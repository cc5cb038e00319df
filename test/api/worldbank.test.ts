import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { tableFromIPC } from 'apache-arrow';
import { ObservationBuilder } from '../../src/table/observations.js';
import { parquetToObservations } from '../../src/table/parquet.js';
import { expectWbError, startServer, type TestServer } from './helpers.js';

let s: TestServer;
const rows = (): ObservationBuilder => new ObservationBuilder();

beforeAll(async () => {
  s = await startServer((store) => {
    const v1 = rows();
    for (const [y, v] of [
      [2019, 22.5],
      [2020, 25],
      [2021, 28],
    ] as const)
      v1.append({ economy: 'KEN', indicator: 'internet_users_pct', year: y, value: v, source: 'KNBS' });
    v1.append({ economy: 'UGA', indicator: 'internet_users_pct', year: 2021, value: 10.1, note: '=cmd|note' });
    v1.append({ economy: 'KEN', indicator: 'fixed_bb_subs', year: 2021, value: 540000 });
    v1.append({ economy: 'KEN', indicator: 'population', year: 2021, value: 54000000 });
    v1.append({ economy: 'UGA', indicator: 'population', year: 2021, value: 46000000 });
    // A gap for gapfill: KEN 2019 only, UGA 2021 (the indicator's latest year).
    v1.append({ economy: 'KEN', indicator: 'hh_computer_pct', year: 2019, value: 11.5 });
    v1.append({ economy: 'UGA', indicator: 'hh_computer_pct', year: 2021, value: 4.2 });
    store.recordSubmission({
      economy: null,
      submittedBy: 'test',
      sha256: 'v1',
      vintage: '2024-Q1',
      findings: null,
      table: v1.toTable(),
      receivedAt: new Date('2024-01-15T00:00:00Z'),
    });
    const v2 = rows();
    v2.append({ economy: 'KEN', indicator: 'internet_users_pct', year: 2021, value: 29.5, source: 'KNBS revised' });
    store.recordSubmission({
      economy: 'KEN',
      submittedBy: 'test',
      sha256: 'v2',
      vintage: '2024-Q3',
      findings: null,
      table: v2.toTable(),
      receivedAt: new Date('2024-07-01T00:00:00Z'),
    });
  });
});
afterAll(() => s.close());

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(s.base + path, { headers });

describe('World Bank v2 endpoints', () => {
  it('series: the World Bank envelope, latest year first, aliases, current revision, our fields', async () => {
    const res = await get('/v2/country/ke/indicator/IT.NET.USER.ZS?format=json');
    expect(res.status).toBe(200);
    const [meta, data] = await res.json();
    expect(meta).toEqual({ page: 1, pages: 1, per_page: 50, total: 3, sourceid: '2', lastupdated: '2024-07-01' });
    expect(data.map((r: { date: string }) => r.date)).toEqual(['2021', '2020', '2019']);
    expect(data[0]).toEqual({
      indicator: { id: 'IT.NET.USER.ZS', value: 'Individuals using the Internet' },
      country: { id: 'KE', value: 'Kenya' },
      countryiso3code: 'KEN',
      date: '2021',
      value: 29.5,
      unit: '',
      obs_status: '',
      decimal: 1,
      note: null,
      source: 'KNBS revised',
      imputed: false,
      vintage: '2024-Q3',
    });
  });

  it('asof reproduces the earlier revision', async () => {
    const [, data] = await (await get('/v2/country/KEN/indicator/i99H?date=2021&asof=2024-03-01')).json();
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ value: 28, vintage: '2024-Q1' });
    expect(await expectWbError(await get('/v2/country/KEN/indicator/i99H?asof=2023-01-01'), 200, '120')).toMatch(/nothing was in the store/);
    expect(await expectWbError(await get('/v2/country/KEN/indicator/i99H?asof=soon'), 200)).toMatch(/asof must be a date/);
  });

  it('every year of the range listed (null where empty), mrv = the latest years of the indicator, mrnev per economy, paging', async () => {
    // Seeded: KEN 2019 22.5, 2020 25, 2021 29.5 (revised); UGA 2021 10.1. The data's years are 2019-2021.
    const cells = async (q: string) =>
      (await (await get(`/v2/country/KEN;UGA/indicator/internet_users_pct?${q}`)).json())[1].map(
        (r: { countryiso3code: string; date: string; value: number | null }) => `${r.countryiso3code}${r.date}=${r.value}`,
      );
    expect(await cells('date=2019:2020')).toEqual(['KEN2020=25', 'KEN2019=22.5', 'UGA2020=null', 'UGA2019=null']);
    expect(await cells('date=2021')).toEqual(['KEN2021=29.5', 'UGA2021=10.1']);
    expect(await cells('date=1990:1995')).toEqual([]); // outside the data's years: nothing, and never `null` for the list
    expect(await cells('mrv=2')).toEqual(['KEN2021=29.5', 'KEN2020=25', 'UGA2021=10.1', 'UGA2020=null']);
    expect(await cells('mrnev=1')).toEqual(['KEN2021=29.5', 'UGA2021=10.1']);
    expect(await cells('mrnev=2&date=2019:2020')).toEqual(['KEN2020=25', 'KEN2019=22.5']);
    // gapfill (with mrv): an empty year takes the latest earlier value, at most mrv years back.
    const [, gf] = await (await get('/v2/country/UGA;KEN/indicator/internet_users_pct?mrv=2&gapfill=Y&date=2019:2020')).json();
    expect(
      gf.map(
        (r: { countryiso3code: string; date: string; value: number | null; gapfilledFrom?: string }) =>
          `${r.countryiso3code}${r.date}=${r.value}<${r.gapfilledFrom ?? ''}`,
      ),
    ).toEqual(['UGA2020=null<', 'UGA2019=null<', 'KEN2020=25<', 'KEN2019=22.5<']);
    const [, gf2] = await (await get('/v2/country/KEN/indicator/internet_users_pct?mrv=1&gapfill=Y&date=2019:2019')).json();
    expect(gf2.map((r: { date: string; value: number }) => `${r.date}=${r.value}`)).toEqual(['2019=22.5']);
    expect(await expectWbError(await get('/v2/country/KEN/indicator/i99H?gapfill=Y'), 200)).toMatch(/gapfill works with mrv/);
    expect(await expectWbError(await get('/v2/country/KEN/indicator/i99H?frequency=M'), 200)).toMatch(/annual/);
    expect((await (await get('/v2/country/KEN/indicator/i99H?frequency=Y&source=2')).json())[1]).toHaveLength(3);
    expect(await expectWbError(await get('/v2/country/KEN/indicator/i99H?source=12'), 200, '175')).toMatch(/not in source 12/);
    // `all`: every economy and every aggregate (as the World Bank answers it), each with every year of the data (3).
    const economies = (await (await get('/v2/country?per_page=1000')).json())[1].length;
    const [meta, page2] = await (await get('/v2/country/all/indicator/internet_users_pct?per_page=3&page=2')).json();
    expect(meta).toMatchObject({ page: 2, pages: economies, per_page: 3, total: 3 * economies });
    expect(page2).toHaveLength(3);
    expect(new Set(page2.map((r: { countryiso3code: string }) => r.countryiso3code)).size).toBe(1);
    const [last, none] = await (await get(`/v2/country/all/indicator/internet_users_pct?per_page=3&page=${economies + 1}`)).json();
    expect(last).toMatchObject({ page: economies + 1, pages: economies });
    expect(none).toEqual([]);
  });

  it('gapfill fills an empty year of the mrv window from an earlier year, at most mrv years back', async () => {
    const cells = async (q: string) =>
      (await (await get(`/v2/country/KEN;UGA/indicator/hh_computer_pct?${q}`)).json())[1].map(
        (r: { countryiso3code: string; date: string; value: number | null; gapfilledFrom?: string }) =>
          `${r.countryiso3code}${r.date}=${r.value}${r.gapfilledFrom ? `<${r.gapfilledFrom}` : ''}`,
      );
    expect(await cells('mrv=2')).toEqual(['KEN2021=null', 'KEN2020=null', 'UGA2021=4.2', 'UGA2020=null']);
    // 2021 and 2020 reach back to 2019 (2 years); UGA has nothing before 2021.
    expect(await cells('mrv=2&gapfill=Y')).toEqual(['KEN2021=11.5<2019', 'KEN2020=11.5<2019', 'UGA2021=4.2', 'UGA2020=null']);
    // With mrv=1, 2021 reaches back one year only: 2020 is empty, so nothing is filled.
    expect(await cells('mrv=1&gapfill=Y')).toEqual(['KEN2021=null', 'UGA2021=4.2']);
  });

  it('serves a per_page above 10,000 (as real World Bank clients ask: WDI 32,500) at 10,000, and says so', async () => {
    const r = await get('/v2/country/all/indicator/internet_users_pct?per_page=32500&date=2021');
    expect(r.status).toBe(200);
    const [meta, rows] = await r.json();
    expect(meta).toMatchObject({ page: 1, per_page: 10000, pages: 1 });
    expect(rows).toHaveLength(meta.total);
    const withValue = rows.filter((x: { value: number | null }) => x.value !== null).map((x: { countryiso3code: string }) => x.countryiso3code);
    // KEN and UGA, and the aggregates with a member that has a value and a population in 2021 (KEN: Sub-Saharan
    // Africa, lower middle income, IDA blend; UGA: low income, IDA only, an LDC).
    expect(withValue.sort()).toEqual(['KEN', 'UGA', 'WLD', 'SSF', 'SSA', 'LMC', 'LIC', 'LMY', 'MIC', 'IDB', 'IDX', 'IDA', 'IBB', 'IBT', 'TSS', 'LDC'].sort());
  });

  it('aggregates: the world and regional estimates under the World Bank codes, population-weighted, with the estimate flag and shares', async () => {
    // Seeded 2021: KEN 29.5 % of 54 million, UGA 10.1 % of 46 million, both reported. By hand:
    // World = (29.5 x 54 + 10.1 x 46) / (54 + 46) = (1593 + 464.6) / 100 = 20.576 %.
    const [, w] = await (await get('/v2/country/1W;LMC;LIC;HIC;ARB/indicator/IT.NET.USER.ZS?date=2021')).json();
    const by = Object.fromEntries(w.map((r: { countryiso3code: string }) => [r.countryiso3code, r]));
    expect(by.WLD.value).toBeCloseTo(20.576, 10);
    expect(by.WLD).toMatchObject({
      country: { id: '1W', value: 'World' },
      obs_status: '',
      estimatedShare: 0,
      reportedShare: 1,
      missingShare: 0,
      nowcast: false,
      economies: 2,
    });
    expect(by.LMC.value).toBeCloseTo(29.5, 10); // Kenya alone
    expect(by.LIC.value).toBeCloseTo(10.1, 10); // Uganda alone
    expect(by.HIC).toMatchObject({ value: null, obs_status: '' }); // no member with a value and a population
    expect(by.HIC.note).toMatch(/no economy of the group has both a value .* and a population for 2021/);
    expect(by.ARB).toMatchObject({ value: null });
    expect(by.ARB.note).toMatch(/membership is not in our sources/);
    // 2020: Kenya reported 25 % but no population: no figure; an indicator without an estimation method: a note.
    const [, w2020] = await (await get('/v2/country/WLD/indicator/IT.NET.USER.ZS?date=2020')).json();
    expect(w2020[0]).toMatchObject({ value: null });
    const [, other] = await (await get('/v2/country/WLD/indicator/hh_computer_pct?date=2021')).json();
    expect(other[0]).toMatchObject({ value: null });
    expect(other[0].note).toMatch(/no world or regional estimates of .*: the estimates file .* covers internet_users_pct/);
    // mrnev=1 on an aggregate: its latest year with a figure; wbgapi's data route carries the same figure and flag.
    const [, latest] = await (await get('/v2/country/WLD/indicator/IT.NET.USER.ZS?mrnev=1')).json();
    expect(latest.map((r: { date: string }) => r.date)).toEqual(['2021']);
    const d = await (await get('/v2/en/sources/2/series/IT.NET.USER.ZS/country/WLD;KEN/time/YR2021?format=json')).json();
    const wld = d.source.data.find((x: { variable: Array<{ id: string }> }) => x.variable[0].id === 'WLD');
    expect(wld.value).toBeCloseTo(20.576, 10);
    expect(wld).toMatchObject({ obs_status: '', estimatedShare: 0, nowcast: false });
    // Arrow and Parquet: the aggregate's figure as a row of the observation table, under its World Bank code; an
    // aggregate without a figure is no row, and the stream still opens with its schema.
    const arrow = tableFromIPC(new Uint8Array(await (await get('/v2/country/WLD;KEN/indicator/IT.NET.USER.ZS?date=2021&format=arrow')).arrayBuffer()));
    const arrowRows = arrow.toArray().map((r) => [r.economy, r.year, r.value, r.source]);
    expect(arrowRows).toContainEqual(['KEN', 2021, 29.5, 'KNBS revised']);
    const wldRow = arrowRows.find((r) => r[0] === 'WLD')!;
    expect(wldRow[2]).toBeCloseTo(20.576, 10);
    expect(wldRow[3]).toBe('ictstat estimates (World)');
    const none = tableFromIPC(new Uint8Array(await (await get('/v2/country/HIC/indicator/IT.NET.USER.ZS?date=2021&format=arrow')).arrayBuffer()));
    expect(none.numRows).toBe(0);
    expect(none.schema.fields.map((f) => f.name)).toEqual(arrow.schema.fields.map((f) => f.name));
    const pq = await parquetToObservations(
      new Uint8Array(await (await get('/v2/country/WLD/indicator/IT.NET.USER.ZS?date=2021&format=parquet')).arrayBuffer()),
    );
    expect(pq.getChild('value')!.get(0)).toBeCloseTo(20.576, 10);
    // CSV: the estimated share beside the aggregate's value.
    const csv = await (await get('/v2/country/WLD/indicator/IT.NET.USER.ZS?date=2021&format=csv')).text();
    expect(csv.split('\n')[1]).toMatch(/^IT\.NET\.USER\.ZS,Individuals using the Internet,1W,World,WLD,2021,20\.57\d*,,,1,.*,0\r?$/);
  });

  it('a derived indicator is computed where its inputs are reported, and says so', async () => {
    const [, data] = await (await get('/v2/country/KEN/indicator/fixed_bb_p100')).json();
    expect(data[0]).toMatchObject({ date: '2021', value: 1, imputed: true });
    expect(data[0].note).toMatch(/derived: fixed_bb_p100 = /);
  });

  it('CSV: World Bank columns, paging headers, formula-looking text neutralised', async () => {
    const res = await get('/v2/country/UGA/indicator/internet_users_pct?format=csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('x-total')).toBe('3'); // 2019-2021, two of them empty
    const text = await res.text();
    expect(text.split('\n')[0]).toBe(
      'indicator_id,indicator_name,country_id,country_name,countryiso3code,date,value,unit,obs_status,decimal,note,source,imputed,vintage,estimated_share',
    );
    expect(text).toContain(`UG,Uganda,UGA,2021,10.1,,,1,'=cmd|note,`);
  });

  it('SDMX-CSV 2.0, SDMX-JSON 2.0 and Arrow by Accept', async () => {
    const csv = await get('/v2/country/KEN/indicator/internet_users_pct', { accept: 'application/vnd.sdmx.data+csv;version=2.0.0' });
    expect(csv.headers.get('content-type')).toMatch(/^application\/vnd\.sdmx\.data\+csv; version=2\.0\.0/);
    const lines = (await csv.text()).trim().split('\n');
    // The one SDMX structure (src/api/sdmx): UNIT_MEASURE is a CL_UNIT code, ESTIMATE the estimate flag; series in time order.
    expect(lines[0]).toBe(
      'STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,ESTIMATE,COMMENT_OBS,DATA_SOURCE,VINTAGE',
    );
    expect(lines.slice(1)).toEqual([
      'dataflow,ITU:ICT_INDICATORS(1.0.0),I,A,KEN,internet_users_pct,2019,22.5,PCT_OF_INDIVIDUALS,A,,,KNBS,2024-Q1',
      'dataflow,ITU:ICT_INDICATORS(1.0.0),I,A,KEN,internet_users_pct,2020,25,PCT_OF_INDIVIDUALS,A,,,KNBS,2024-Q1',
      'dataflow,ITU:ICT_INDICATORS(1.0.0),I,A,KEN,internet_users_pct,2021,29.5,PCT_OF_INDIVIDUALS,A,,,KNBS revised,2024-Q3',
    ]);

    const json = await (await get('/v2/country/KEN/indicator/internet_users_pct', { accept: 'application/vnd.sdmx.data+json;version=2.0.0' })).json();
    const st = json.data.structures[0];
    expect(st.dimensions.series.map((d: { id: string }) => d.id)).toEqual(['FREQ', 'REF_AREA', 'INDICATOR']);
    const times = st.dimensions.observation[0].values.map((v: { value: string }) => v.value);
    const series = json.data.dataSets[0].series['0:0:0'];
    const byYear = Object.fromEntries(Object.entries(series.observations as Record<string, number[]>).map(([k, o]) => [times[Number(k)], o[0]]));
    expect(byYear).toEqual({ 2019: 22.5, 2020: 25, 2021: 29.5 });

    const arrow = await get('/v2/country/KEN;UGA/indicator/i99H', { accept: 'application/vnd.apache.arrow.stream' });
    const t = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(t.numRows).toBe(4);
    expect(t.schema.fields.map((f) => f.name).slice(0, 4)).toEqual(['economy', 'indicator', 'year', 'value']);

    // Parquet: the same table (same schema) by Accept or by format=parquet
    for (const res of [
      await get('/v2/country/KEN;UGA/indicator/i99H', { accept: 'application/vnd.apache.parquet' }),
      await get('/v2/country/KEN;UGA/indicator/i99H?format=parquet'),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
      const p = await parquetToObservations(new Uint8Array(await res.arrayBuffer()));
      expect(p.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(t.schema.fields.map((f) => `${f.name}:${f.type}`));
      expect(p.toArray().map((r) => r.toJSON())).toEqual(t.toArray().map((r) => r.toJSON()));
    }
    await expectWbError(await get('/v2/country/KEN/indicator/i99H?format=xml'), 200); // the World Bank's status for errors

    await expectWbError(await get('/v2/country/KEN/indicator/i99H', { accept: 'application/xml' }), 406);
  });

  it('country and indicator metadata, language prefix', async () => {
    const [meta, list] = await (await get('/v2/country?per_page=500')).json();
    expect(meta).toMatchObject({ page: 1, per_page: '500', total: list.length });
    expect(list.find((c: { id: string }) => c.id === 'KEN')).toMatchObject({
      iso2Code: 'KE',
      name: 'Kenya',
      region: { id: 'SSF' },
      incomeLevel: { id: 'LMC' },
    });
    const [, fr] = await (await get('/v2/fr/country/CIV')).json();
    expect(fr[0].name).toMatch(/Côte d.Ivoire/);
    const [, zh] = await (await get('/v2/zh/country/KEN/indicator/i99H?date=2021')).json();
    expect(zh[0].country.value).toBe('肯尼亚');
    const [, inds] = await (await get('/v2/indicator/it.net.user.zs;i99H')).json();
    expect(inds).toHaveLength(1); // one indicator named twice
    expect(inds[0]).toMatchObject({ id: 'IT.NET.USER.ZS', name: 'Individuals using the Internet' });
  });

  it('bad input: the World Bank error envelope with HTTP 200 as the World Bank answers (its clients read the body), never a 500', async () => {
    for (const q of [
      'per_page=0',
      'per_page=1e3',
      'page=-1',
      'date=2020:2010',
      'date=2020M01',
      'mrv=abc',
      'mrv=1&mrnev=1',
      'format=xml',
      'per_page=1&per_page=2',
    ])
      await expectWbError(await get(`/v2/country/KEN/indicator/i99H?${q}`), 200, '120');
    expect(await expectWbError(await get('/v2/country/KEM/indicator/i99H'), 200, '120')).toMatch(/did you mean KEN/);
    expect(await expectWbError(await get('/v2/country/KEN/indicator/IT.NET.USR.ZS'), 200, '175')).toMatch(/IT.NET.USER.ZS/);
    await expectWbError(await get('/v2/xx/country'), 200, '150');
    await expectWbError(await get('/v2/country/KEN;;UGA/indicator/i99H'), 200);
    await expectWbError(await get(`/v2/country/${'A;'.repeat(400)}/indicator/i99H`), 200);
    await expectWbError(await get('/v2/country/%E0%A4%A/indicator/i99H'), 400);
    await expectWbError(await get('/nowhere'), 404, '160');
  });

  it('ETag and If-None-Match (304), compression, CORS on GET, security headers', async () => {
    const first = await get('/v2/country/all/indicator/i99H');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    const again = await get('/v2/country/all/indicator/i99H', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/v2/country/all/indicator/i99H', { 'if-none-match': '"other"' })).status).toBe(200);
    // fetch decompresses; the raw encoding header shows the compression.
    const big = await get('/v2/country?per_page=500', { 'accept-encoding': 'gzip' });
    expect(big.headers.get('content-encoding')).toBe('gzip');
    const preflight = await fetch(s.base + '/v2/submissions', {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-methods') ?? '').not.toContain('POST');
  });

  it('healthz, openapi.json and the docs page', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok', storeVersion: 2, schemaVersion: MIGRATIONS.length });
    const doc = await (await get('/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/v2/country/{codes}/indicator/{ids}');
    const html = await (await get('/docs')).text();
    expect(html).toContain('/v2/submissions');
  });
});
