"""Reading a DEM for the walk on slopes: the window of a GeoTIFF over the network, its heights in
metres (scale, offset and vertical unit applied; nodata, NaN and voids as NaN) and bilinear
samples of it. Private plumbing of :mod:`spatial.network.elevation` (which owns the slopes, the
walking times and their report); imports rasterio lazily, and the package's errors.

The bilinear step is written here rather than taken from scipy (``RegularGridInterpolator``,
``ndimage.map_coordinates``): neither falls back to the nearest valid cell next to nodata, and on
3M points ``map_coordinates`` took about 5x as long as the four flat gathers here. Rasterio's own
``sample`` yields one point at a time.
"""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import numpy as np
import pyproj

from spatial.core._threads import halves, thread_map
from spatial.core.errors import CRSError, InputFileError, SpatialError
from spatial.io._faults import fault_of, file_fault
from spatial.network._dem_units import vertical_unit

logger = logging.getLogger(__name__)

#: Elevations outside these (metres; the Dead Sea shore, Everest) are voids the file does not
#: declare as nodata (SRTM's -32768, float32's -3.4e38): read as nodata, not as 30 km cliffs.
LOWEST_M, HIGHEST_M = -500.0, 9000.0


def _open(path: Path):
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    if not path.exists():
        raise InputFileError(f"DEM file {path} does not exist")
    try:
        with warnings.catch_warnings():  # a raster with no georeferencing: refused just below
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            src = rasterio.open(path)
    except (RasterioIOError, OSError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fault = file_fault(path, text, "copy or export the DEM again")
        raise InputFileError(f"cannot read DEM {path}: {fault}" if fault else
                             f"cannot read DEM {path} as a raster (corrupt or not a GeoTIFF): {text}; give a "
                             "GeoTIFF of heights (one band)") from exc
    colours = {c.name for c in src.colorinterp[:1]} & {"red", "palette"}
    if colours:  # a map or photo (scanned, or a screenshot saved as .tif): no CRS would make it heights
        src.close()
        raise SpatialError(f"DEM {path} is a colour image ({'RGB' if 'red' in colours else 'palette'} bands), not "
                           f"elevations; give a DEM GeoTIFF of heights (one band)")
    if src.crs is None:
        src.close()
        raise CRSError(f"DEM {path} has no CRS; set it (e.g. gdal_edit.py -a_srs EPSG:4326 {path.name}) and try again")
    return src


def _mislabelled(path: Path, extent, dem_crs: pyproj.CRS, net_crs: pyproj.CRS, node_xy: np.ndarray) -> str:
    """What to do about a DEM that misses the network: when its numbers are no degrees though its
    CRS says degrees, or fall on the network read in the network's own CRS (a DEM exported in the
    town's UTM zone and labelled with another CRS, or the next zone), set the CRS they are in; else
    give a DEM of the study area."""
    left, bottom, right, top = extent
    fix = ""
    if dem_crs.is_geographic and (max(abs(left), abs(right)) > 180 or max(abs(bottom), abs(top)) > 90):
        fix = f"its numbers are not degrees, though its CRS ({dem_crs.name}) is in degrees"
    x, y = node_xy[:, 0], node_xy[:, 1]
    on = (x >= left) & (x <= right) & (y >= bottom) & (y <= top)
    epsg = net_crs.to_epsg()
    if on.mean() > 0.5 and net_crs.is_projected and epsg is not None:
        read = f"read in the network's CRS, EPSG:{epsg} ({net_crs.name}), they cover it"
        fix = f"{fix}; {read}" if fix else f"its numbers may not be in its CRS ({dem_crs.name}): {read}"
        return f"{fix}: if so set that CRS (gdal_edit.py -a_srs EPSG:{epsg} {path.name}) and try again"
    if fix:
        return f"{fix}: set the CRS they are in (gdal_edit.py -a_srs EPSG:... {path.name}) and try again"
    return "give a DEM of the study area"


class _Dem:
    """The window of a DEM over the network's nodes: values (NaN for nodata) and its transform."""

    def __init__(self, path: Path, node_xy: np.ndarray, crs, bbox=None) -> None:
        from affine import Affine
        from rasterio.errors import RasterioError
        from rasterio.windows import Window

        with _open(path) as src:
            if src.transform.b != 0 or src.transform.d != 0:  # rows and columns not along the axes
                raise SpatialError(f"DEM {path} is rotated (its geotransform has rotation terms), which is not read "
                                   f"here; warp it north-up first, e.g. gdalwarp {path.name} {path.stem}_north_up.tif")
            self.crs = src.crs.to_string()
            b = src.bounds  # a south-up raster has bottom > top: ordered here
            self.extent = (min(b.left, b.right), min(b.bottom, b.top), max(b.left, b.right), max(b.bottom, b.top))
            dem_crs = pyproj.CRS.from_wkt(src.crs.to_wkt())
            net_crs = pyproj.CRS.from_user_input(crs)
            try:
                self.to_dem = None if dem_crs == net_crs else pyproj.Transformer.from_crs(net_crs, dem_crs, always_xy=True)
            except pyproj.exceptions.ProjError as exc:  # a local survey grid (LOCAL_CS), another planet ...
                raise CRSError(f"DEM {path} is in {dem_crs.name!r}, which cannot be converted to the network's "
                               f"{net_crs.name}; set the CRS its numbers are really in (e.g. gdal_edit.py -a_srs "
                               f"EPSG:4547 {path.name}) or warp it to one") from exc
            pts = self.project(node_xy)
            fin = np.isfinite(pts).all(axis=1)
            self.node_inside = fin & self.inside(pts)
            left, bottom, right, top = self.extent
            if not self.node_inside.any():
                lo = pts[fin].min(axis=0) if fin.any() else (np.nan, np.nan)
                hi = pts[fin].max(axis=0) if fin.any() else (np.nan, np.nan)
                raise SpatialError(
                    f"DEM {path} does not cover the network: the DEM spans x {left:.6g}..{right:.6g}, "
                    f"y {bottom:.6g}..{top:.6g} ({self.crs}) and the network x {lo[0]:.6g}..{hi[0]:.6g}, "
                    f"y {lo[1]:.6g}..{hi[1]:.6g}; " + _mislabelled(path, self.extent, dem_crs, net_crs, node_xy)
                )
            # the window: the network's box (edge geometries bulge past the nodes), its outline
            # projected to the DEM's CRS
            edge = np.array(bbox, dtype=np.float64) if bbox is not None else np.r_[node_xy.min(0), node_xy.max(0)]
            t = np.linspace(0.0, 1.0, 21)
            xs, ys = edge[0] + (edge[2] - edge[0]) * t, edge[1] + (edge[3] - edge[1]) * t
            ring = np.r_[np.column_stack([xs, np.full(21, edge[1])]), np.column_stack([xs, np.full(21, edge[3])]),
                         np.column_stack([np.full(21, edge[0]), ys]), np.column_stack([np.full(21, edge[2]), ys])]
            box = self.project(ring)
            box = np.vstack([box[np.isfinite(box).all(axis=1)], pts[self.node_inside]])
            lo, hi = box.min(axis=0), box.max(axis=0)
            # the box's columns and rows (rasterio's from_bounds refuses a south-up transform
            # whenever the box has a height), with a margin of two cells for the interpolation and
            # curved edges, clipped to the raster
            inv = ~src.transform
            xs, ys = np.array([lo[0], hi[0], hi[0], lo[0]]), np.array([lo[1], lo[1], hi[1], hi[1]])
            cols, rows = inv.a * xs + inv.b * ys + inv.c, inv.d * xs + inv.e * ys + inv.f
            c0 = max(int(math.floor(cols.min())) - 2, 0)
            r0 = max(int(math.floor(rows.min())) - 2, 0)
            c1 = min(int(math.ceil(cols.max())) + 3, src.width)
            r1 = min(int(math.ceil(rows.max())) + 3, src.height)
            window = Window(c0, r0, max(c1 - c0, 1), max(r1 - r0, 1))
            try:
                band = src.read(1, window=window, masked=True)
            except (RasterioError, OSError) as exc:
                raise InputFileError(f"cannot read DEM {path}: {fault_of(path, exc, 'copy or export the DEM again')}") \
                    from exc
            values = np.ma.filled(band.astype(np.float64), np.nan)
            # GDAL's scale and offset (e.g. int16 decimetres), then the vertical unit to metres
            self.unit, to_m = vertical_unit(path, src, dem_crs)
            scale, offset = float(src.scales[0]), float(src.offsets[0])
            if (scale, offset, to_m) != (1.0, 0.0, 1.0):
                values = (values * scale + offset) * to_m
            t = src.transform  # the window's transform (rasterio's window_transform warns on affine >= 3.1)
            self.transform = Affine(t.a, t.b, t.c + c0 * t.a + r0 * t.b, t.d, t.e, t.f + c0 * t.d + r0 * t.e)
        values[~np.isfinite(values)] = np.nan
        with np.errstate(invalid="ignore"):
            odd = (values < LOWEST_M) | (values > HIGHEST_M)
        self.voids = int(odd.sum())  # cells no land has: undeclared nodata
        with np.errstate(invalid="ignore"):
            high = values[values > HIGHEST_M]
        self.highest = float(high.max()) if len(high) else math.nan  # (centimetres read as metres?)
        values[odd] = np.nan
        self.values = values
        self.valid_share = float(np.isfinite(values).mean()) if values.size else 0.0
        # cell size in metres, measured on the ground at the window's centre
        a = self.transform
        h, w = values.shape
        cx, cy = a.c + a.a * w / 2 + a.b * h / 2, a.f + a.d * w / 2 + a.e * h / 2
        xs, ys = np.array([cx, cx + a.a, cx]), np.array([cy, cy, cy + a.e])
        if self.to_dem is not None:
            xs, ys = self.to_dem.transform(xs, ys, direction="INVERSE")
        self.res_m = float(min(np.hypot(xs[1] - xs[0], ys[1] - ys[0]), np.hypot(xs[2] - xs[0], ys[2] - ys[0])))

    def project(self, xy: np.ndarray) -> np.ndarray:
        """Points of the network CRS in the DEM's CRS."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if self.to_dem is None:
            return xy
        x, y = self.to_dem.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def inside(self, pts: np.ndarray) -> np.ndarray:
        """Which points (in the DEM's CRS) lie within the DEM's extent (north-up or south-up)."""
        left, right = sorted(self.extent[0::2])
        bottom, top = sorted(self.extent[1::2])
        return (pts[:, 0] >= left) & (pts[:, 0] <= right) & (pts[:, 1] >= bottom) & (pts[:, 1] <= top)

    def sample(self, xy: np.ndarray) -> np.ndarray:
        """Bilinear elevation at points of the network CRS. Next to nodata, the nearest cell's own
        value; NaN outside the window or where that cell is nodata. Large inputs run in two
        threads (numpy releases the GIL)."""
        pts = self.project(xy)  # in this thread: one transformer, not shared
        z = np.empty(len(pts))

        def part(sl: slice) -> None:
            z[sl] = self.bilinear(pts[sl])

        thread_map(part, halves(len(pts)))
        return z

    def bilinear(self, pts: np.ndarray) -> np.ndarray:
        """Bilinear elevation at points already in the DEM's CRS (see :meth:`sample`)."""
        a = self.transform
        v = self.values
        h, w = v.shape
        col = (pts[:, 0] - a.c) / a.a - 0.5
        row = (pts[:, 1] - a.f) / a.e - 0.5
        z = np.full(len(pts), np.nan)
        ok = (col > -1) & (row > -1) & (col < w) & (row < h)  # False for NaN too
        if not ok.any():
            return z
        c, r = col[ok], row[ok]
        if h < 2 or w < 2:  # one row (or column) of cells: linear along it, its row copied across
            v = np.tile(v, (2 if h < 2 else 1, 2 if w < 2 else 1))
            h, w = v.shape
        r0 = np.clip(np.floor(r).astype(np.int64), 0, h - 2)
        c0 = np.clip(np.floor(c).astype(np.int64), 0, w - 2)
        fr, fc = np.clip(r - r0, 0.0, 1.0), np.clip(c - c0, 0.0, 1.0)
        flat = v.ravel()
        i = r0 * w + c0
        z00, z01, z10, z11 = flat.take(i), flat.take(i + 1), flat.take(i + w), flat.take(i + w + 1)
        top = z00 + (z01 - z00) * fc
        zi = top + (z10 + (z11 - z10) * fc - top) * fr
        bad = np.flatnonzero(np.isnan(zi))
        if len(bad):  # next to nodata: the nearest cell's own value (NaN if it is nodata)
            rn = np.clip(np.rint(r[bad]).astype(np.int64), 0, h - 1)
            cn = np.clip(np.rint(c[bad]).astype(np.int64), 0, w - 1)
            zi[bad] = v[rn, cn]
        z[ok] = zi
        return z
