/**
 * The report's own chart renderer: the charts of charts.ts `chartSpecs` drawn from their vega-lite specs (the
 * spec stays the description written beside each SVG) without vega. vega is its test oracle
 * (test/report/svg-oracle.test.ts compares every mark). `renderOwn` gives undefined for a chart it does not draw yet.
 */
import type { ProjectedFeature } from '../world-map.js';
import { boxplotScene } from './boxplot.js';
import { facetScene } from './facet.js';
import { intervalsScene } from './intervals.js';
import { linesScene } from './lines.js';
import { mapScene } from './map.js';
import { scatterScene } from './scatter.js';
import { writeSvg } from './write.js';

// biome-ignore lint/suspicious/noExplicitAny: the specs are read by their known shape (charts.ts writes them)
type AnySpec = any;

/** The SVG of a chart (`id` as in charts.ts, also the id prefix), or undefined when this renderer does not draw it. */
export function renderOwn(spec: AnySpec, id: string): string | undefined {
  const scene = sceneOf(spec, id);
  return scene && writeSvg(scene, id);
}

/** The scene of a chart (undefined: not drawn here). */
export function sceneOf(spec: AnySpec, id: string) {
  if (id === 'idi-map' && spec.datasets?.countries) {
    const layer = spec.layer[1];
    const values = layer.transform[0].from.data.values as Array<{ m49: string; score: number }>;
    return mapScene({
      title: spec.title,
      legendTitle: layer.encoding.color.title,
      width: spec.width,
      height: spec.height,
      domain: layer.encoding.color.scale.domain,
      features: spec.datasets.countries as ProjectedFeature[],
      scores: new Map(values.map((v) => [v.m49, v.score])),
    });
  }
  if (id === 'idi-by-region') {
    const [box, mean] = spec.layer;
    return boxplotScene({
      title: spec.title,
      width: spec.width,
      height: spec.height,
      xTitle: box.encoding.x.title,
      xDomain: box.encoding.x.scale.domain,
      order: box.encoding.y.sort,
      colors: box.encoding.color.scale.range,
      box: { size: box.mark.size, medianColor: box.mark.median.color },
      mean: { color: mean.mark.color, thickness: mean.mark.thickness, size: mean.mark.size },
      rows: spec.data.values,
    });
  }
  if (id === 'idi-vs-affordability') {
    const e = spec.encoding;
    return scatterScene({
      title: spec.title,
      width: spec.width,
      height: spec.height,
      xTitle: e.x.title,
      yTitle: e.y.title,
      yDomain: e.y.scale.domain,
      legendTitle: e.color.title,
      point: { size: spec.mark.size, opacity: spec.mark.opacity },
      domain: e.color.scale.domain,
      colors: e.color.scale.range,
      rows: (spec.data.values as Array<Record<string, number | string>>).map((r) => ({
        x: r[e.x.field] as number,
        y: r[e.y.field] as number,
        group: r[e.color.field] as string,
      })),
    });
  }
  if (id === 'internet-use-estimates') {
    const [line, point] = spec.layer;
    const e = line.encoding;
    const thick = /datum\.group === '([^']*)'/.exec(e.strokeWidth.condition.test);
    return linesScene({
      title: spec.title,
      width: spec.width,
      height: spec.height,
      yTitle: e.y.title,
      legendTitle: point.encoding.color.title,
      yDomain: e.y.scale.domain,
      domain: e.color.scale.domain,
      colors: e.color.scale.range,
      thick: { group: thick ? thick[1] : '', width: e.strokeWidth.condition.value, otherWidth: e.strokeWidth.value },
      point: { size: point.mark.size, opacity: 0.7 },
      shapes: point.encoding.shape.scale,
      rows: (spec.data.values as Array<{ group: string; year: number; value: number; nowcast: string }>).map((r) => ({
        group: r.group,
        year: r.year,
        value: r.value,
        shape: r.nowcast,
      })),
    });
  }
  if (id === 'price-medians') {
    const e = spec.spec.encoding;
    const thick = /datum\.group === '([^']*)'/.exec(e.strokeWidth.condition.test);
    return facetScene({
      title: spec.title,
      width: spec.spec.width,
      height: spec.spec.height,
      columns: spec.columns,
      yTitle: e.y.title,
      legendTitle: e.color.title,
      order: spec.facet.sort,
      domain: e.color.scale.domain,
      colors: e.color.scale.range,
      thick: { group: thick ? thick[1] : '', width: e.strokeWidth.condition.value, otherWidth: e.strokeWidth.value },
      point: { size: spec.spec.mark.point.size },
      rows: (spec.data.values as Array<Record<string, string | number>>).map((r) => ({
        facet: r[spec.facet.field] as string,
        group: r[e.color.field] as string,
        year: r[e.x.field] as number,
        value: r[e.y.field] as number,
      })),
    });
  }
  if (id === 'idi-rank-intervals') {
    const [rule, point, diag] = spec.layer;
    const ends = diag.data.values as Array<{ rank: number; diagonal: number }>;
    return intervalsScene({
      title: spec.title,
      width: spec.width,
      height: spec.height,
      xTitle: rule.encoding.x.title,
      yTitle: rule.encoding.y.title,
      xDomain: rule.encoding.x.scale.domain,
      // reversed: the domain's first value at the top
      yDomain: rule.encoding.y.scale.reverse ? rule.encoding.y.scale.domain : [...rule.encoding.y.scale.domain].reverse(),
      rule: { color: rule.mark.color, width: rule.mark.strokeWidth },
      point: { color: point.mark.color, size: point.mark.size },
      diagonal: {
        color: diag.mark.color,
        width: diag.mark.strokeWidth,
        dash: diag.mark.strokeDash,
        from: [ends[0].rank, ends[0].diagonal],
        to: [ends[1].rank, ends[1].diagonal],
      },
      rows: spec.data.values,
    });
  }
  return undefined;
}
