# ruff: noqa: E501 - a data table; unit lists are kept one line per unit type
"""Semantic types and units: semantic type -> unit type -> unit names.

Transcribed from the DTDL v2 context (built-in quantitative types) and the
QuantitativeTypes v1 extension context usable with DTDL v3. Unit lists are kept as
space-separated strings to keep the table compact.
"""

from __future__ import annotations

_V2_SEMANTIC = {
    "Acceleration": "AccelerationUnit",
    "Angle": "AngleUnit",
    "AngularAcceleration": "AngularAccelerationUnit",
    "AngularVelocity": "AngularVelocityUnit",
    "Area": "AreaUnit",
    "Capacitance": "CapacitanceUnit",
    "Current": "CurrentUnit",
    "DataRate": "DataRateUnit",
    "DataSize": "DataSizeUnit",
    "Density": "DensityUnit",
    "Distance": "LengthUnit",
    "ElectricCharge": "ChargeUnit",
    "Energy": "EnergyUnit",
    "Force": "ForceUnit",
    "Frequency": "FrequencyUnit",
    "Humidity": "DensityUnit",
    "Illuminance": "IlluminanceUnit",
    "Inductance": "InductanceUnit",
    "Latitude": "AngleUnit",
    "Length": "LengthUnit",
    "Longitude": "AngleUnit",
    "Luminance": "LuminanceUnit",
    "Luminosity": "PowerUnit",
    "LuminousFlux": "LuminousFluxUnit",
    "LuminousIntensity": "LuminousIntensityUnit",
    "MagneticFlux": "MagneticFluxUnit",
    "MagneticInduction": "MagneticInductionUnit",
    "Mass": "MassUnit",
    "MassFlowRate": "MassFlowRateUnit",
    "Power": "PowerUnit",
    "Pressure": "PressureUnit",
    "RelativeHumidity": "Unitless",
    "Resistance": "ResistanceUnit",
    "SoundPressure": "SoundPressureUnit",
    "Temperature": "TemperatureUnit",
    "Thrust": "ForceUnit",
    "TimeSpan": "TimeUnit",
    "Torque": "TorqueUnit",
    "Velocity": "VelocityUnit",
    "Voltage": "VoltageUnit",
    "Volume": "VolumeUnit",
    "VolumeFlowRate": "VolumeFlowRateUnit",
}
_V2_UNITS = {
    "AccelerationUnit": "centimetrePerSecondSquared gForce metrePerSecondSquared",
    "AngleUnit": "degreeOfArc minuteOfArc radian secondOfArc turn",
    "AngularAccelerationUnit": "radianPerSecondSquared",
    "AngularVelocityUnit": "degreePerSecond radianPerSecond revolutionPerMinute revolutionPerSecond",
    "AreaUnit": (
        "acre hectare squareCentimetre squareFoot squareInch squareKilometre squareMetre "
        "squareMillimetre"
    ),
    "CapacitanceUnit": "farad microfarad millifarad nanofarad picofarad",
    "ChargeUnit": "coulomb",
    "CurrentUnit": "ampere microampere milliampere",
    "DataRateUnit": (
        "bitPerSecond bytePerSecond exbibitPerSecond exbibytePerSecond gibibitPerSecond "
        "gibibytePerSecond kibibitPerSecond kibibytePerSecond mebibitPerSecond "
        "mebibytePerSecond tebibitPerSecond tebibytePerSecond yobibitPerSecond "
        "yobibytePerSecond zebibitPerSecond zebibytePerSecond"
    ),
    "DataSizeUnit": (
        "bit byte exbibit exbibyte gibibit gibibyte kibibit kibibyte mebibit mebibyte "
        "tebibit tebibyte yobibit yobibyte zebibit zebibyte"
    ),
    "DensityUnit": "gramPerCubicMetre kilogramPerCubicMetre",
    "EnergyUnit": "electronvolt gigajoule joule kilojoule kilowattHour megaelectronvolt megajoule",
    "ForceUnit": "newton ounce pound ton",
    "FrequencyUnit": "gigahertz hertz kilohertz megahertz",
    "IlluminanceUnit": "footcandle lux",
    "InductanceUnit": "henry microhenry millihenry",
    "LengthUnit": (
        "astronomicalUnit centimetre foot inch kilometre metre micrometre mile millimetre "
        "nanometre nauticalMile"
    ),
    "LuminanceUnit": "candelaPerSquareMetre",
    "LuminousFluxUnit": "lumen",
    "LuminousIntensityUnit": "candela",
    "MagneticFluxUnit": "maxwell weber",
    "MagneticInductionUnit": "tesla",
    "MassFlowRateUnit": "gramPerHour gramPerSecond kilogramPerHour kilogramPerSecond",
    "MassUnit": "gram kilogram microgram milligram slug tonne",
    "PowerUnit": (
        "gigawatt horsepower kilowatt kilowattHourPerYear megawatt microwatt milliwatt watt"
    ),
    "PressureUnit": (
        "bar inchesOfMercury inchesOfWater kilopascal millibar millimetresOfMercury "
        "pascal poundPerSquareInch"
    ),
    "ResistanceUnit": "kiloohm megaohm milliohm ohm",
    "SoundPressureUnit": "bel decibel",
    "TemperatureUnit": "degreeCelsius degreeFahrenheit kelvin",
    "TimeUnit": "day hour microsecond millisecond minute nanosecond second year",
    "TorqueUnit": "newtonMetre",
    "Unitless": "percent unity",
    "VelocityUnit": (
        "centimetrePerSecond kilometrePerHour kilometrePerSecond knot metrePerHour "
        "metrePerSecond milePerHour milePerSecond"
    ),
    "VoltageUnit": "kilovolt megavolt microvolt millivolt volt",
    "VolumeFlowRateUnit": "litrePerHour litrePerSecond millilitrePerHour millilitrePerSecond",
    "VolumeUnit": (
        "cubicCentimetre cubicFoot cubicInch cubicMetre fluidOunce gallon litre millilitre"
    ),
}

_V3_SEMANTIC = {
    "Acceleration": "AccelerationUnit",
    "Angle": "AngleUnit",
    "AngularAcceleration": "AngularAccelerationUnit",
    "AngularVelocity": "AngularVelocityUnit",
    "ApparentEnergy": "ApparentEnergyUnit",
    "ApparentPower": "ApparentPowerUnit",
    "Area": "AreaUnit",
    "Capacitance": "CapacitanceUnit",
    "Concentration": "Unitless",
    "Current": "CurrentUnit",
    "DataRate": "DataRateUnit",
    "DataSize": "DataSizeUnit",
    "Density": "DensityUnit",
    "Distance": "LengthUnit",
    "ElectricCharge": "ChargeUnit",
    "Energy": "EnergyUnit",
    "EnergyRate": "PowerUnit",
    "Force": "ForceUnit",
    "Frequency": "FrequencyUnit",
    "Humidity": "DensityUnit",
    "Illuminance": "IlluminanceUnit",
    "Inductance": "InductanceUnit",
    "IonizingRadiationDose": "IonizingRadiationDoseUnit",
    "Irradiance": "IrradianceUnit",
    "Latitude": "AngleUnit",
    "Length": "LengthUnit",
    "Longitude": "AngleUnit",
    "Luminance": "LuminanceUnit",
    "Luminosity": "PowerUnit",
    "LuminousFlux": "LuminousFluxUnit",
    "LuminousIntensity": "LuminousIntensityUnit",
    "MagneticFlux": "MagneticFluxUnit",
    "MagneticInduction": "MagneticInductionUnit",
    "Mass": "MassUnit",
    "MassFlowRate": "MassFlowRateUnit",
    "Power": "PowerUnit",
    "Pressure": "PressureUnit",
    "Radioactivity": "RadioactivityUnit",
    "ReactiveEnergy": "ReactiveEnergyUnit",
    "ReactivePower": "ReactivePowerUnit",
    "RelativeDensity": "Unitless",
    "RelativeHumidity": "Unitless",
    "Resistance": "ResistanceUnit",
    "SoundPressure": "SoundPressureUnit",
    "Temperature": "TemperatureUnit",
    "Thrust": "ForceUnit",
    "TimeSpan": "TimeUnit",
    "Torque": "TorqueUnit",
    "Velocity": "VelocityUnit",
    "Voltage": "VoltageUnit",
    "Volume": "VolumeUnit",
    "VolumeFlowRate": "VolumeFlowRateUnit",
}
_V3_UNITS = {
    "AccelerationUnit": "centimetrePerSecondSquared gForce metrePerSecondSquared",
    "AngleUnit": "degreeOfArc minuteOfArc radian secondOfArc turn",
    "AngularAccelerationUnit": "radianPerSecondSquared",
    "AngularVelocityUnit": "degreePerSecond radianPerSecond revolutionPerMinute revolutionPerSecond",
    "ApparentEnergyUnit": "gigavoltAmpereHour kilovoltAmpereHour megavoltAmpereHour voltAmpereHour",
    "ApparentPowerUnit": "gigavoltAmpere kilovoltAmpere megavoltAmpere millivoltAmpere voltAmpere",
    "AreaUnit": (
        "acre hectare squareCentimetre squareFoot squareInch squareKilometre squareMetre "
        "squareMillimetre"
    ),
    "CapacitanceUnit": "farad microfarad millifarad nanofarad picofarad",
    "ChargeUnit": "ampereHour coulomb milliampereHour",
    "CurrentUnit": "ampere kiloampere microampere milliampere",
    "DataRateUnit": (
        "bitPerSecond bytePerSecond exbibitPerSecond exbibytePerSecond gibibitPerSecond "
        "gibibytePerSecond kibibitPerSecond kibibytePerSecond mebibitPerSecond "
        "mebibytePerSecond tebibitPerSecond tebibytePerSecond yobibitPerSecond "
        "yobibytePerSecond zebibitPerSecond zebibytePerSecond"
    ),
    "DataSizeUnit": (
        "bit byte exbibit exbibyte gibibit gibibyte kibibit kibibyte mebibit mebibyte "
        "tebibit tebibyte yobibit yobibyte zebibit zebibyte"
    ),
    "DensityUnit": (
        "gramPerCubicMetre kilogramPerCubicMetre microgramPerCubicMetre milligramPerCubicMetre"
    ),
    "EnergyUnit": (
        "britishThermalUnit electronvolt gigajoule gigawattHour joule "
        "kiloBritishThermalUnit kilojoule kilowattHour megaelectronvolt megajoule "
        "megawattHour milliwattHour terawattHour wattHour"
    ),
    "ForceUnit": "newton ounce pound ton",
    "FrequencyUnit": "gigahertz hertz kilohertz megahertz millihertz",
    "IlluminanceUnit": "footcandle lux",
    "InductanceUnit": "henry microhenry millihenry",
    "IonizingRadiationDoseUnit": "gray microgray microsievert milligray millisievert sievert",
    "IrradianceUnit": "wattPerSquareMetre",
    "LengthUnit": (
        "astronomicalUnit centimetre foot inch kilometre metre micrometre mile millimetre "
        "nanometre nauticalMile"
    ),
    "LuminanceUnit": "candelaPerSquareMetre",
    "LuminousFluxUnit": "lumen",
    "LuminousIntensityUnit": "candela",
    "MagneticFluxUnit": "maxwell weber",
    "MagneticInductionUnit": "gauss tesla",
    "MassFlowRateUnit": "gramPerHour gramPerSecond kilogramPerHour kilogramPerSecond massPoundPerHour",
    "MassUnit": "gram kilogram massPound microgram milligram slug tonne",
    "PowerUnit": (
        "britishThermalUnitPerHour gigajoulePerHour gigawatt horsepower joulePerHour "
        "joulePerSecond kiloBritishThermalUnitPerHour kilojoulePerHour kilojoulePerSecond "
        "kilowatt kilowattHourPerYear megajoulePerHour megawatt microwatt milliwatt "
        "tonOfRefrigeration watt"
    ),
    "PressureUnit": (
        "bar decapascal hectopascal inchesOfMercury inchesOfWater kilopascal millibar "
        "millimetresOfMercury pascal poundPerSquareInch"
    ),
    "RadioactivityUnit": "becquerel gigabecquerel kilobecquerel megabecquerel",
    "ReactiveEnergyUnit": (
        "gigavoltAmpereReactiveHour kilovoltAmpereReactiveHour megavoltAmpereReactiveHour "
        "voltAmpereReactiveHour"
    ),
    "ReactivePowerUnit": (
        "gigavoltAmpereReactive kilovoltAmpereReactive megavoltAmpereReactive "
        "millivoltAmpereReactive voltAmpereReactive"
    ),
    "ResistanceUnit": "kiloohm megaohm milliohm ohm",
    "SoundPressureUnit": "bel decibel",
    "TemperatureUnit": "degreeCelsius degreeFahrenheit kelvin",
    "TimeUnit": "day hour microsecond millisecond minute nanosecond second year",
    "TorqueUnit": "newtonMetre",
    "Unitless": (
        "partsPerBillion partsPerMillion partsPerQuadrillion partsPerTrillion percent unity"
    ),
    "VelocityUnit": (
        "centimetrePerSecond kilometrePerHour kilometrePerSecond knot metrePerHour "
        "metrePerSecond milePerHour milePerSecond"
    ),
    "VoltageUnit": "kilovolt megavolt microvolt millivolt volt",
    "VolumeFlowRateUnit": (
        "cubicFootPerMinute cubicMetrePerHour cubicMetrePerMinute cubicMetrePerSecond "
        "gallonPerHour gallonPerMinute litrePerHour litrePerMinute litrePerSecond "
        "millilitrePerHour millilitrePerMinute millilitrePerSecond"
    ),
    "VolumeUnit": (
        "cubicCentimetre cubicFoot cubicInch cubicMetre fluidOunce gallon litre millilitre"
    ),
}


SEMANTIC_TYPES: dict[int, dict[str, str]] = {2: _V2_SEMANTIC, 3: _V3_SEMANTIC}
UNITS: dict[int, dict[str, frozenset[str]]] = {
    2: {k: frozenset(v.split()) for k, v in _V2_UNITS.items()},
    3: {k: frozenset(v.split()) for k, v in _V3_UNITS.items()},
}
ALL_UNITS: dict[int, frozenset[str]] = {v: frozenset().union(*u.values()) for v, u in UNITS.items()}
UNIT_TYPES: dict[int, frozenset[str]] = {v: frozenset(u) for v, u in UNITS.items()}
